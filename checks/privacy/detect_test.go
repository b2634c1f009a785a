package privacy

import (
	"strings"
	"testing"
)

func kindsOf(m mask) []string {
	var out []string
	for k := range numKinds {
		if m.has(k) {
			out = append(out, kindNames[k])
		}
	}
	return out
}

func one(k kind) mask { return 1 << k }

// TestDetectExamples: published valid and invalid examples, and the false
// positives that matter most (ids, amounts, dates, versions, timestamps,
// UUIDs, ISBNs).
func TestDetectExamples(t *testing.T) {
	cases := []struct {
		s    string
		want mask
	}{
		// email
		{"john.doe@example.com", one(kEmail)},
		{"write to <Jane_O'Neil+news@mail.example.co.uk>.", one(kEmail)},
		{"ping alice@example.com.", one(kEmail)},
		{"x@y", 0}, {"a@b.c", 0}, {"john..doe@example.com", 0}, {"john.@example.com", 0},
		{"@example.com", 0}, {"user@-bad.com", 0}, {"user@example.c0m", 0}, {"twitter @handle 42", 0},
		// phone
		{"(555) 123-4567", one(kPhone)}, {"555-123-4567", one(kPhone)}, {"call 555.123.4567 now", one(kPhone)},
		{"1-555-123-4567", one(kPhone)}, {"020 7946 0958", one(kPhone)}, {"01 23 45 67 89", one(kPhone)},
		{"+44 20 7946 0958", one(kPhone)}, {"+1 (555) 123-4567", one(kPhone)}, {"+4930123456", one(kPhone)},
		{"tel:+33-1-23-45-67-89", one(kPhone)}, {"2026-01-31 555-123-4567", one(kPhone)},
		{"5551234567", 0}, {"order 20260131", 0}, {"123-4567", 0}, {"+1234567", 0}, {"+0 20 7946 0958", 0},
		{"(155) 123-4567", 0}, {"1,234,567.89", 0}, {"01.02.2026 10:30", 0}, {"0-306-40615-2", 0},
		{"ID 0012345678", 0}, {"+1234567890123456", 0},
		// payment card
		{"4111 1111 1111 1111", one(kCard)}, {"5500 0000 0000 0004", one(kCard)}, {"4111111111111111", one(kCard)},
		{"4111-1111-1111-1111", one(kCard)}, {"3782 822463 10005", one(kCard)}, {"6011 1111 1111 1117", one(kCard)},
		{"2223 0000 4841 0010", one(kCard)}, {"4222222222222", one(kCard)},
		{"4111 1111 1111 1112", 0}, {"1234 5678 9012 3452", 0}, {"4111 1111-1111 1111", 0}, {"41111 11111 111111", 0},
		{"9111111111111111", 0},
		// IBAN
		{"GB82 WEST 1234 5698 7654 32", one(kIBAN)}, {"DE89 3704 0044 0532 0130 00", one(kIBAN)},
		{"DE89370400440532013000", one(kIBAN)}, {"FR1420041010050500013M02606", one(kIBAN)},
		{"NL91 ABNA 0417 1643 00", one(kIBAN)}, {"BE68 5390 0754 7034", one(kIBAN)},
		{"GB82 WEST 1234 5698 7654 33", 0}, {"DE89 3704 0044 0532 0130 0", 0}, {"XX89370400440532013000", 0},
		{"DE893704004405320130001", 0}, {"de89370400440532013000", 0}, {"GB82 WEST 12 345698765432", 0},
		// national id
		{"123-45-6789", one(kNationalID)}, {"SSN 078-05-1120.", one(kNationalID)}, {"AB123456C", one(kNationalID)},
		{"QQ 12 34 56 C", 0}, {"AB 12 34 56 C", one(kNationalID)},
		{"000-12-3456", 0}, {"666-12-3456", 0}, {"912-34-5678", 0}, {"123-00-4567", 0}, {"123-45-0000", 0},
		{"123456789", 0}, {"GB123456C", 0}, {"AB123456E", 0}, {"DA123456A", 0}, {"AO123456A", 0}, {"AB123456", 0},
		// ip
		{"10.0.0.1", one(kIP)}, {"from 192.168.1.1:8080", one(kIP)}, {"127.0.0.1.", one(kIP)}, {"1.2.3.4", one(kIP)},
		{"fe80::1", one(kIP)}, {"2001:db8::ff00:42:8329", one(kIP)}, {"::ffff:10.0.0.1", one(kIP)}, {"[::1]:80", one(kIP)},
		{"256.1.1.1", 0}, {"01.2.3.4", 0}, {"1.2.3.4.5", 0}, {"v1.2.3.4", 0}, {"::", 0}, {"std::vector", 0},
		{"12:30:45", 0}, {"00:1a:2b:3c:4d:5e", 0}, {"1.2.3", 0},
		// things that are nothing
		{"2026-01-31", 0}, {"2026-01-31T12:30:45.123456Z", 0}, {"123e4567-e89b-12d3-a456-426614174000", 0},
		{"978-3-16-148410-0", 0}, {"ISBN 0-306-40615-2", 0}, {"$1,234,567.00", 0}, {"v1.20.3", 0},
		{"", 0}, {"the quick brown fox", 0},
		// several in one cell
		{"mail a.b@c.de or call +49 30 1234567, card 4111 1111 1111 1111", one(kEmail) | one(kPhone) | one(kCard)},
	}
	for _, c := range cases {
		if got := detect(c.s, allKinds); got != c.want {
			t.Errorf("detect(%q) = %v, want %v", c.s, kindsOf(got), kindsOf(c.want))
		}
	}
}

// TestChecksums: Luhn and MOD 97-10 against published examples.
func TestChecksums(t *testing.T) {
	for _, s := range []string{"4111111111111111", "5500000000000004", "378282246310005", "6011111111111117", "79927398713"} {
		if !luhn([]byte(s)) {
			t.Errorf("luhn(%s) = false", s)
		}
	}
	for _, s := range []string{"4111111111111112", "79927398710", "1234567812345678"} {
		if luhn([]byte(s)) {
			t.Errorf("luhn(%s) = true", s)
		}
	}
	for _, s := range []string{"GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606",
		"NL91ABNA0417164300", "BE68539007547034", "CH9300762011623852957", "AT611904300234573201",
		"ES9121000418450200051332", "IT60X0542811101000000123456", "PL61109010140000071219812874",
		"SE4550000000058398257466", "IE29AIBK93115212345678", "PT50000201231234567890154"} {
		if mod97([]byte(s)) != 1 {
			t.Errorf("mod97(%s) = %d, want 1", s, mod97([]byte(s)))
		}
		if l := ibanLength[[2]byte{s[0], s[1]}]; l != len(s) {
			t.Errorf("ibanLength[%s] = %d, the example has %d", s[:2], l, len(s))
		}
		if detect(s, allKinds) != one(kIBAN) || detect(spaced4(s), allKinds) != one(kIBAN) {
			t.Errorf("%s not detected as an IBAN, compact and spaced", s)
		}
	}
	if mod97([]byte("GB82WEST12345698765433")) == 1 {
		t.Errorf("mod97 accepts a changed IBAN")
	}
}

// TestDetectGenerated compares the scanners with the generator's
// by-construction answer on many mixed cells.
func TestDetectGenerated(t *testing.T) {
	g := newGen(1)
	counts := map[string]int{}
	for range 50000 {
		s, want, _ := g.cell(0.3)
		got := detect(s, allKinds)
		if got != want {
			t.Fatalf("detect(%q) = %v, want %v", s, kindsOf(got), kindsOf(want))
		}
		for _, k := range kindsOf(want) {
			counts[k]++
		}
		// A subset of the types finds exactly that subset.
		sub := mask(g.r.IntN(int(allKinds) + 1))
		if got := detect(s, sub); got != want&sub {
			t.Fatalf("detect(%q, %v) = %v, want %v", s, kindsOf(sub), kindsOf(got), kindsOf(want&sub))
		}
	}
	for _, k := range kindNames {
		if counts[k] < 1000 {
			t.Errorf("only %d cells with %s: the generator is off", counts[k], k)
		}
	}
}

// TestLongStrings: 1 MB strings of patterns that make a careless scanner
// quadratic or panic; the test times out if one is.
func TestLongStrings(t *testing.T) {
	const mb = 1 << 20
	rep := func(p string) string { return strings.Repeat(p, mb/len(p)) }
	long := []string{
		rep("a"), rep("@"), rep("a@"), rep("a.b@"), rep("1"), rep("1 "), rep("1-"), rep("+1 "), rep("(1) "),
		rep(":"), rep("a:"), rep("1.1."), rep("AB"), rep("AB12"), rep("GB82 "), rep("\xff\xfe"),
		rep("john@example.com 555-123-4567 "), rep("0"),
	}
	for _, s := range long {
		_ = detect(s, allKinds)
	}
	if detect(rep("x")+" bob@example.com", allKinds) != one(kEmail) {
		t.Errorf("email at the end of 1 MB not found")
	}
}

// FuzzDetect: no panic; the result lies within the enabled types; and
// each type is found whatever other types are enabled.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{"john@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32",
		"123-45-6789", "AB 12 34 56 C", "fe80::1", "10.0.0.1", "(555) 123-4567", "\xff@\x00", "NL91 ABNA 0417 1643 00"} {
		f.Add(s, uint8(allKinds))
	}
	f.Fuzz(func(t *testing.T, s string, en uint8) {
		enabled := mask(en) & allKinds
		got := detect(s, enabled)
		if got&^enabled != 0 {
			t.Fatalf("detect(%q, %v) = %v: a type not enabled", s, kindsOf(enabled), kindsOf(got))
		}
		all := detect(s, allKinds)
		if got != all&enabled {
			t.Fatalf("detect(%q, %v) = %v, but with all types %v", s, kindsOf(enabled), kindsOf(got), kindsOf(all))
		}
	})
}
