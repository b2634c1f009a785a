package privacy

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strings"
)

// The generator writes tokens whose type is known by construction: the
// positives are built valid (check digits computed here, independently of
// the scanners), the negatives are built so that they cannot be any type.
// The expected answer for a cell is the set of its tokens' types: the
// oracle the scanners are compared with.

type token struct {
	s    string
	kind int // a kind, or -1 for none
}

type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, 7))} }

func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func (g *gen) letters(n int, from string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = from[g.r.IntN(len(from))]
	}
	return string(b)
}

const lower = "abcdefghijklmnopqrstuvwxyz"
const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) email() string {
	local := g.letters(1+g.r.IntN(8), lower)
	if g.r.IntN(2) == 0 {
		local += "." + g.letters(1+g.r.IntN(6), lower+"0123456789")
	}
	if g.r.IntN(4) == 0 {
		local += "+" + g.letters(3, lower)
	}
	dom := g.letters(2+g.r.IntN(8), lower)
	if g.r.IntN(3) == 0 {
		dom += "-" + g.letters(2, lower)
	}
	if g.r.IntN(3) == 0 {
		dom = g.letters(3, lower) + "." + dom
	}
	return local + "@" + dom + "." + g.pick("com", "org", "de", "co.uk", "io", "info")
}

func (g *gen) phone() string {
	area := string(rune('2'+g.r.IntN(8))) + g.digits(2)
	switch g.r.IntN(7) {
	case 0:
		return "(" + area + ") " + g.digits(3) + "-" + g.digits(4)
	case 1:
		return area + "-" + g.digits(3) + "-" + g.digits(4)
	case 2:
		return area + "." + g.digits(3) + "." + g.digits(4)
	case 3:
		return "+1 " + area + " " + g.digits(3) + " " + g.digits(4)
	case 4:
		return "+44 20 " + g.digits(4) + " " + g.digits(4)
	case 5:
		return "0" + g.digits(2) + " " + g.digits(4) + " " + g.digits(4)
	default:
		// E.164 with 8–15 digits in groups of 1–4 separated by spaces
		n := 8 + g.r.IntN(8)
		d := string(rune('1'+g.r.IntN(9))) + g.digits(n-1)
		var b strings.Builder
		b.WriteString("+")
		for len(d) > 0 {
			k := min(len(d), 1+g.r.IntN(4))
			b.WriteString(d[:k])
			d = d[k:]
			if len(d) > 0 {
				b.WriteString(" ")
			}
		}
		return b.String()
	}
}

// luhnDigit is the digit that makes payload+digit pass the Luhn check,
// computed the textbook way: double every second digit from the right of
// the full number.
func luhnDigit(payload string) byte {
	for c := byte('0'); c <= '9'; c++ {
		full := payload + string(c)
		sum := 0
		for i := 0; i < len(full); i++ {
			d := int(full[len(full)-1-i] - '0')
			if i%2 == 1 {
				d = d * 2
				d = d/10 + d%10
			}
			sum += d
		}
		if sum%10 == 0 {
			return c
		}
	}
	panic("unreachable")
}

// cardNumber returns a valid card number's digits.
func (g *gen) cardNumber() string {
	type iss struct {
		prefix string
		n      int
	}
	is := []iss{{"4", 16}, {"4", 13}, {"51", 16}, {"55", 16}, {"2221", 16}, {"2720", 16}, {"34", 15}, {"37", 15}, {"6011", 16}, {"65", 16}}
	c := is[g.r.IntN(len(is))]
	payload := c.prefix + g.digits(c.n-1-len(c.prefix))
	return payload + string(luhnDigit(payload))
}

func (g *gen) groupCard(d string, sep string) string {
	if len(d) == 15 {
		return d[:4] + sep + d[4:10] + sep + d[10:]
	}
	var parts []string
	for len(d) > 4 {
		parts = append(parts, d[:4])
		d = d[4:]
	}
	return strings.Join(append(parts, d), sep)
}

func (g *gen) card() string {
	d := g.cardNumber()
	switch g.r.IntN(3) {
	case 0:
		return d
	case 1:
		return g.groupCard(d, " ")
	default:
		return g.groupCard(d, "-")
	}
}

// testIBANLength is written out again here from the IBAN registry, for
// the countries the brief names.
var testIBANLength = map[string]int{"DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27, "NL": 18, "BE": 16,
	"CH": 21, "AT": 20, "PL": 28, "SE": 24, "IE": 22, "PT": 25}

// ibanCheck computes an IBAN's check digits with math/big: 98 − (the
// rearranged number with check digits 00) mod 97.
func ibanCheck(country, bban string) string {
	var num strings.Builder
	for _, c := range bban + country + "00" {
		if c >= 'A' && c <= 'Z' {
			fmt.Fprintf(&num, "%d", c-'A'+10)
		} else {
			num.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	r := new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%02d", 98-r)
}

func (g *gen) ibanCompact() string {
	countries := []string{"DE", "FR", "GB", "ES", "IT", "NL", "BE", "CH", "AT", "PL", "SE", "IE", "PT"}
	c := countries[g.r.IntN(len(countries))]
	n := testIBANLength[c] - 4
	var bban string
	switch c {
	case "GB", "IE", "NL":
		// a bank code of four letters, then digits starting with 1 (no
		// card issuer starts with 1)
		bban = g.letters(4, upper) + "1" + g.digits(n-5)
	default:
		bban = g.digits(n)
	}
	return c + ibanCheck(c, bban) + bban
}

func spaced4(s string) string {
	var parts []string
	for len(s) > 4 {
		parts = append(parts, s[:4])
		s = s[4:]
	}
	return strings.Join(append(parts, s), " ")
}

func (g *gen) iban() string {
	s := g.ibanCompact()
	if g.r.IntN(2) == 0 {
		return spaced4(s)
	}
	return s
}

func (g *gen) ssn() string {
	var area int
	for area == 0 || area == 666 {
		area = 1 + g.r.IntN(899)
	}
	return fmt.Sprintf("%03d-%02d-%04d", area, 1+g.r.IntN(99), 1+g.r.IntN(9999))
}

func (g *gen) nino() string {
	first := g.letters(1, "ABCEGHJKLMNOPRSTWXYZ")
	var second string
	for {
		second = g.letters(1, "ABCEGHJKLMNPRSTWXYZ")
		switch first + second {
		case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
			continue
		}
		break
	}
	d, suf := g.digits(6), g.letters(1, "ABCD")
	if g.r.IntN(2) == 0 {
		return first + second + " " + d[:2] + " " + d[2:4] + " " + d[4:] + " " + suf
	}
	return first + second + d + suf
}

func (g *gen) ip() string {
	if g.r.IntN(2) == 0 {
		return fmt.Sprintf("%d.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256))
	}
	var b [16]byte
	for i := range b {
		if g.r.IntN(3) > 0 {
			b[i] = byte(g.r.IntN(256))
		}
	}
	b[0] = 0x20 // never :: nor an IPv4-mapped address
	return netip.AddrFrom16(b).String()
}

// negative returns a token that is no type of personal data.
func (g *gen) negative() string {
	switch g.r.IntN(22) {
	case 0, 1, 2, 3:
		return g.letters(2+g.r.IntN(8), lower)
	case 4:
		return g.digits(5 + g.r.IntN(8)) // an id: a bare run of digits
	case 5:
		return "1" + g.digits(19) // 20 digits: too long for a card
	case 6:
		return fmt.Sprintf("$%d,%03d.%02d", 1+g.r.IntN(999), g.r.IntN(1000), g.r.IntN(100))
	case 7:
		return fmt.Sprintf("2026-%02d-%02d", 1+g.r.IntN(12), 1+g.r.IntN(28))
	case 8:
		return fmt.Sprintf("2026-01-31T%02d:%02d:%02dZ", g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
	case 9:
		return fmt.Sprintf("v%d.%d.%d.%d", g.r.IntN(10), g.r.IntN(10), g.r.IntN(10), g.r.IntN(10))
	case 10:
		return fmt.Sprintf("%d.%d.%d.%d.%d", g.r.IntN(10), g.r.IntN(10), g.r.IntN(10), g.r.IntN(10), g.r.IntN(10))
	case 11:
		h := g.letters(32, "0123456789abcdef")
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	case 12:
		return "978-" + g.digits(1) + "-" + g.digits(2) + "-" + g.digits(6) + "-" + g.digits(1)
	case 13:
		// a card number failing Luhn
		d := []byte(g.cardNumber())
		d[len(d)-1] = '0' + (d[len(d)-1]-'0'+1+byte(g.r.IntN(9)))%10
		return g.groupCard(string(d), " ")
	case 14:
		// an IBAN with one BBAN digit changed: mod 97 catches it
		b := []byte(g.ibanCompact())
		k := len(b) - 1 - g.r.IntN(4)
		b[k] = '0' + (b[k]-'0'+1+byte(g.r.IntN(9)))%10
		return string(b)
	case 15:
		return fmt.Sprintf("%s-%02d-%04d", g.pick("000", "666", "900", "987"), 1+g.r.IntN(99), 1+g.r.IntN(9999))
	case 16:
		return fmt.Sprintf("%03d-00-%04d", 1+g.r.IntN(600), g.r.IntN(10000))
	case 17:
		return g.pick("BG", "GB", "NK", "TN", "ZZ", "DA", "QA", "AO") + g.digits(6) + g.letters(1, "ABCD")
	case 18:
		return fmt.Sprintf("%d.%d.%d.%d", 256+g.r.IntN(700), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256))
	case 19:
		return fmt.Sprintf("%02d:%02d:%02d", g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
	case 20:
		return string(rune('2'+g.r.IntN(8))) + g.digits(9) // a bare 10-digit number
	default:
		return fmt.Sprintf("%d.%d.%d", g.r.IntN(10), g.r.IntN(10), g.r.IntN(100))
	}
}

// tok returns a token: a positive of a random type with probability p.
func (g *gen) tok(p float64) token {
	if g.r.Float64() >= p {
		return token{g.negative(), -1}
	}
	k := g.r.IntN(int(numKinds))
	var s string
	switch kind(k) {
	case kEmail:
		s = g.email()
	case kPhone:
		s = g.phone()
	case kCard:
		s = g.card()
	case kIBAN:
		s = g.iban()
	case kNationalID:
		if g.r.IntN(2) == 0 {
			s = g.ssn()
		} else {
			s = g.nino()
		}
	case kIP:
		s = g.ip()
	}
	return token{s, k}
}

// cell joins 1–4 tokens with separators that cannot join two tokens into
// one, and returns the cell and the set of its tokens' types.
func (g *gen) cell(p float64) (string, mask, []string) {
	n := 1 + g.r.IntN(4)
	var parts, positives []string
	var m mask
	for i := range n {
		t := g.tok(p)
		if i > 0 {
			parts = append(parts, g.pick("; ", " and ", ", ", " | ", "\n", " (see) "))
		}
		parts = append(parts, t.s)
		if t.kind >= 0 {
			m |= 1 << t.kind
			positives = append(positives, t.s)
		}
	}
	return strings.Join(parts, ""), m, positives
}
