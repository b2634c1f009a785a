package privacy

import (
	"math/big"
	"regexp"
	"strings"
	"testing"
)

// A regexp oracle for near misses: positive tokens with a few digits
// changed at random, classified again by regular expressions and the
// test's own check-digit code, written from the documentation.

var (
	reCard = regexp.MustCompile(`^(4\d{12}|4\d{15}|4\d{18}` + // Visa
		`|5[1-5]\d{14}|(222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)\d{12}` + // Mastercard
		`|3[47]\d{13}` + // Amex
		`|(6011|65\d\d|64[4-9]\d)\d{12,15}` + // Discover
		`|35(2[89]|[3-8]\d)\d{12,15}` + // JCB
		`|(36|38|39)\d{12,17}|30[0-5]\d{11,16}` + // Diners
		`|62\d{14,17}` + // UnionPay
		`|(50|5[6-8])\d{11,17}|(6304|6759)\d{9,15})$`) // Maestro
	reSSN   = regexp.MustCompile(`^(\d{3})-(\d{2})-(\d{4})$`)
	reOctet = `(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`
	reIPv4  = regexp.MustCompile(`^` + reOctet + `(\.` + reOctet + `){3}$`)
	reNANP  = regexp.MustCompile(`^[02-9]\d\d-\d{3}-\d{4}$`) // 0: a trunk-prefix national number
	reE164  = regexp.MustCompile(`^\+[1-9][\d ]+$`)
)

func luhnOK(d string) bool { return d[len(d)-1] == luhnDigit(d[:len(d)-1]) }

func ibanOK(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	var num strings.Builder
	for _, c := range s[4:] + s[:4] {
		if c >= 'A' && c <= 'Z' {
			num.WriteString(big.NewInt(int64(c - 'A' + 10)).String())
		} else {
			num.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	return new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

func TestDetectNearMiss(t *testing.T) {
	g := newGen(11)
	var tried, flipped int
	for range 50000 {
		var s string
		var oracle func(string) mask
		switch g.r.IntN(6) {
		case 0:
			s = g.card()
			oracle = func(v string) mask {
				d := strings.NewReplacer(" ", "", "-", "").Replace(v)
				if reCard.MatchString(d) && luhnOK(d) {
					return one(kCard)
				}
				return 0
			}
		case 1:
			s = g.iban()
			oracle = func(v string) mask {
				if ibanOK(v) {
					return one(kIBAN)
				}
				return 0
			}
		case 2:
			s = g.ssn()
			oracle = func(v string) mask {
				m := reSSN.FindStringSubmatch(v)
				if m == nil || m[1] == "000" || m[1] == "666" || m[1][0] == '9' || m[2] == "00" || m[3] == "0000" {
					return 0
				}
				return one(kNationalID)
			}
		case 3:
			s = ip4(g)
			oracle = func(v string) mask {
				if reIPv4.MatchString(v) {
					return one(kIP)
				}
				return 0
			}
		case 4:
			s = string(rune('2'+g.r.IntN(8))) + g.digits(2) + "-" + g.digits(3) + "-" + g.digits(4)
			oracle = func(v string) mask {
				if reNANP.MatchString(v) {
					return one(kPhone)
				}
				return 0
			}
		default:
			s = "+" + string(rune('1'+g.r.IntN(9))) + g.digits(1+g.r.IntN(3)) + " " + g.digits(3) + " " + g.digits(4)
			oracle = func(v string) mask {
				if reE164.MatchString(v) {
					return one(kPhone)
				}
				return 0
			}
		}
		b := []byte(s)
		for range 1 + g.r.IntN(2) {
			k := g.r.IntN(len(b))
			if isDigit(b[k]) {
				b[k] = byte('0' + g.r.IntN(10))
			}
		}
		v := string(b)
		want := oracle(v)
		tried++
		if want == 0 {
			flipped++
		}
		if got := detect(v, allKinds); got != want {
			t.Fatalf("detect(%q) = %v, the oracle says %v (from %q)", v, kindsOf(got), kindsOf(want), s)
		}
	}
	if flipped < tried/10 {
		t.Errorf("only %d of %d near misses are negatives", flipped, tried)
	}
}

func ip4(g *gen) string {
	for {
		if s := g.ip(); strings.Count(s, ".") == 3 {
			return s
		}
	}
}
