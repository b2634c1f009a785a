package privacy

import (
	"math/bits"
	"net/netip"
	"strings"
	"unsafe"
)

// kind is one type of personal data; its bit in a [mask] is 1<<kind.
type kind uint8

const (
	kEmail kind = iota
	kPhone
	kCard
	kIBAN
	kNationalID
	kIP
	numKinds
)

// kindNames are the types' names in the policy and the metrics, in the
// order of the kinds.
var kindNames = [numKinds]string{"email", "phone", "payment_card", "iban", "national_id", "ip_address"}

// kindNouns name what a finding counts, per kind.
var kindNouns = [numKinds]string{"an email address", "a phone number", "a payment card number", "an IBAN",
	"a national ID number (US SSN or UK NI number)", "an IP address"}

// mask is a set of kinds.
type mask uint8

func (m mask) has(k kind) bool { return m&(1<<k) != 0 }

const allKinds mask = 1<<numKinds - 1

// Byte classes for the prefilter pass.
const (
	cDigit uint8 = 1 << iota
	cAt
	cColon
	cDot
	cUpper
)

var byteClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = cUpper
	}
	t['@'] = cAt
	t[':'] = cColon
	t['.'] = cDot
	return t
}()

// detect returns the kinds of personal data found in s, among those in
// enabled. It reads s a constant number of times: one prefilter pass
// counting digits and noting '@', ':', '.' and capitals, then only the
// scanners the prefilter allows, each linear in len(s).
func detect(s string, enabled mask) mask {
	if rejected(s) {
		return 0
	}
	digits, seen := classes(s)
	return scan(s, enabled, digits, seen)
}

// classes counts the digits of s and notes the byte classes it holds.
func classes(s string) (digits int, seen uint8) {
	for i := 0; i < len(s); i++ {
		c := byteClass[s[i]]
		seen |= c
		digits += int(c & cDigit)
	}
	return digits, seen
}

// rejected reports whether s certainly holds no personal data: fewer than
// four digits, no '@' and no ':' (every kind needs one of these). It is
// the test nearly every value fails, so it reads eight bytes at a time;
// the values it lets through are classified again, a byte at a time, by
// [classes]. It reads a []byte the same way: the bytes of several values
// at once (see chunkRejected).
func rejected[T string | []byte](s T) bool {
	n := len(s)
	if useAVX512 && n >= avx512Min {
		// A string's and a slice's headers both start with the pointer to
		// their bytes.
		return rejectedAVX512(*(**byte)(unsafe.Pointer(&s)), n)
	}
	var digits int
	var atColon uint64
	switch {
	case n < 4:
		for i := 0; i < n; i++ {
			if c := byteClass[s[i]]; c&(cAt|cColon) != 0 {
				return false
			}
		}
		return true // fewer than four digits
	case n < 8:
		// Two overlapping 4-byte loads; the second shifted so that the
		// bytes read twice fall off and zero bytes (of no class) fill in.
		lo := uint64(le32(s[:4]))
		hi := uint64(le32(s[n-4:])) >> (8 * (8 - n))
		d, ac := swar(lo | hi<<32)
		digits, atColon = bits.OnesCount64(d), ac
	default:
		i := 0
		for ; i+8 <= n; i += 8 {
			d, ac := swar(le64(s[i:]))
			digits += bits.OnesCount64(d)
			atColon |= ac
		}
		if i < n {
			// The last eight bytes, the ones already read shifted out.
			d, ac := swar(le64(s[n-8:]) >> (8 * (8 - (n - i))))
			digits += bits.OnesCount64(d)
			atColon |= ac
		}
	}
	return digits < 4 && atColon == 0
}

// avx512Min is the length from which rejected reads 64 bytes at a time,
// with AVX-512 where the processor has it: the prefilter reads a chunk of
// values' bytes at once (chunkRejected), hundreds of bytes, and there took
// 0.057 s of CPU a 10M-row audit eight bytes at a time
// (docs/performance.md, 2026-11-30 zg). Below it, a value alone, the
// call would cost more than the words.
const avx512Min = 32

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
	swarLow7 = 0x7f7f7f7f7f7f7f7f
)

// swar returns, for the eight bytes of x, masks with the high bit of a
// byte set where it is a digit, and where it is '@' or ':'. The low seven
// bits of each byte are compared, so no sum carries into the next byte,
// and bytes of 0x80 and above are masked out by their high bit.
func swar(x uint64) (digit, atColon uint64) {
	ascii := ^x & swarHigh
	lo := x & swarLow7
	// lo + (0x80-c)·ones sets a byte's high bit exactly when it is >= c.
	digit = (lo + (0x80-'0')*swarOnes) &^ (lo + (0x80-'9'-1)*swarOnes) & ascii
	// y has a zero byte exactly where the byte is c; (y + 0x7f) | y sets
	// the high bit of every other byte.
	at := lo ^ '@'*swarOnes
	colon := lo ^ ':'*swarOnes
	atColon = ^(((at + swarLow7) | at) & ((colon + swarLow7) | colon)) & ascii
	return digit, atColon
}

// le64 and le32 read the first bytes of s as a little-endian number.
func le64[T string | []byte](s T) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32[T string | []byte](s T) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// scan runs the scanners the prefilter results allow on s, a candidate.
func scan(s string, enabled mask, digits int, seen uint8) mask {
	if digits < 4 && seen&(cAt|cColon) == 0 {
		return 0
	}
	var found mask
	if seen&cAt != 0 && enabled.has(kEmail) && hasEmail(s) {
		found |= 1 << kEmail
	}
	// IBANs first: the digit groups of a spaced IBAN ("NL91 ABNA 0417 1643
	// 00") must not be read as a phone or card number.
	var ibans spans
	if digits >= 6 && seen&cUpper != 0 {
		found |= scanCodes(s, &ibans) & enabled
	}
	if digits >= 8 && enabled&(1<<kPhone|1<<kCard|1<<kNationalID) != 0 {
		found |= scanNumbers(s, &ibans) & enabled
	}
	if enabled.has(kIP) {
		// strings.Count is vectorised: a cheap second filter.
		if (digits >= 4 && seen&cDot != 0 && strings.Count(s, ".") >= 3 && hasIPv4(s)) ||
			(seen&cColon != 0 && strings.Count(s, ":") >= 2 && hasIPv6(s)) {
			found |= 1 << kIP
		}
	}
	return found
}

func isDigit(c byte) bool { return c-'0' < 10 }
func isUpper(c byte) bool { return c-'A' < 26 }
func isLower(c byte) bool { return c-'a' < 26 }
func isAlpha(c byte) bool { return isUpper(c) || isLower(c) }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func isHex(c byte) bool   { return isDigit(c) || c-'a' < 6 || c-'A' < 6 }

// ---- email ----

// atext holds the characters of an RFC 5322 dot-atom (atext and '.').
var atext = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isAlnum(byte(c))
	}
	for _, c := range []byte("!#$%&'*+/=?^_`{|}~-.") {
		t[c] = true
	}
	return t
}()

func isDomainByte(c byte) bool { return isAlnum(c) || c == '-' || c == '.' }

// hasEmail reports whether s holds local@domain.tld. Around each '@' it
// takes the longest dot-atom to the left and the longest run of letters,
// digits, '-' and '.' to the right; neither crosses another '@', so the
// whole scan is linear.
func hasEmail(s string) bool {
	for at := 0; at < len(s); at++ {
		if s[at] != '@' {
			continue
		}
		l := at
		for l > 0 && atext[s[l-1]] {
			l--
		}
		r := at + 1
		for r < len(s) && isDomainByte(s[r]) {
			r++
		}
		if validLocal(s[l:at]) && validDomain(s[at+1:r]) {
			return true
		}
	}
	return false
}

// validLocal: a dot-atom of at most 64 bytes. Dots before it (as in
// "...bob") are punctuation, not part of it.
func validLocal(p string) bool {
	for len(p) > 0 && p[0] == '.' {
		p = p[1:]
	}
	if p == "" || len(p) > 64 || p[len(p)-1] == '.' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] == '.' && p[i-1] == '.' {
			return false
		}
	}
	return true
}

// validDomain: two or more labels of letters, digits and inner hyphens,
// each 1–63 bytes, the last (the TLD) of two or more letters. Dots after
// it (the end of a sentence) are punctuation.
func validDomain(d string) bool {
	for len(d) > 0 && d[len(d)-1] == '.' {
		d = d[:len(d)-1]
	}
	if len(d) > 253 {
		return false
	}
	labels, start := 0, 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			continue
		}
		lab := d[start:i]
		if len(lab) == 0 || len(lab) > 63 || lab[0] == '-' || lab[len(lab)-1] == '-' {
			return false
		}
		labels++
		if i == len(d) { // the TLD
			if labels < 2 || len(lab) < 2 {
				return false
			}
			for j := 0; j < len(lab); j++ {
				if !isAlpha(lab[j]) {
					return false
				}
			}
		}
		start = i + 1
	}
	return true
}

// ---- phone, payment card, SSN ----

// isNumSep reports the bytes that may separate digit groups in a numeric
// candidate.
func isNumSep(c byte) bool { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' }

// numByte holds the bytes of a numeric candidate: digits, separators, '+'.
var numByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isDigit(byte(c)) || isNumSep(byte(c)) || c == '+'
	}
	return t
}()

func isNumByte(c byte) bool { return numByte[c] }

// scanNumbers finds phone numbers, payment card numbers and US SSNs. A
// candidate is a maximal run of digits, spaces and - . ( ) +, trimmed to
// start at a digit, '+' or '(' and end at a digit or ')', with no letter
// or digit touching it on either side. The candidate is judged whole;
// when it holds spaces, each space-free piece of it is judged too, so
// "2026-01-31 555-123-4567" still yields the phone number.
func scanNumbers(s string, skip *spans) mask {
	var found mask
	for i := 0; i < len(s); {
		if !isNumByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isNumByte(s[j]) {
			j++
		}
		if !skip.overlaps(i, j) {
			found |= numberRun(s, i, j)
		}
		i = j
	}
	return found
}

// numberRun judges the run s[i:j] of numeric bytes.
func numberRun(s string, i, j int) mask {
	a, b := i, j
	for a < b && !(isDigit(s[a]) || s[a] == '+' || s[a] == '(') {
		a++
	}
	for b > a && !(isDigit(s[b-1]) || s[b-1] == ')') {
		b--
	}
	if b-a < 8 || (a == i && a > 0 && isAlnum(s[a-1])) || (b == j && b < len(s) && isAlnum(s[b])) {
		// Too short for any number we look for, or glued to a word.
		return 0
	}
	found := classifyNumber(s[a:b])
	if found == 0 {
		// Judge the space-free pieces.
		spaced := false
		for k := a; k < b; k++ {
			if s[k] == ' ' {
				spaced = true
				break
			}
		}
		if spaced {
			for p := a; p < b; {
				if s[p] == ' ' {
					p++
					continue
				}
				q := p
				for q < b && s[q] != ' ' {
					q++
				}
				if q-p >= 8 && !(p == a && q == b) {
					found |= classifyNumber(trimNumber(s[p:q]))
				}
				p = q
			}
		}
	}
	return found
}

// trimNumber trims a piece to start at a digit, '+' or '(' and end at a
// digit or ')'.
func trimNumber(p string) string {
	for len(p) > 0 && !(isDigit(p[0]) || p[0] == '+' || p[0] == '(') {
		p = p[1:]
	}
	for len(p) > 0 && !(isDigit(p[len(p)-1]) || p[len(p)-1] == ')') {
		p = p[:len(p)-1]
	}
	return p
}

// maxGroups bounds the digit groups of a candidate: longer runs of
// numbers are none of the kinds we look for.
const maxGroups = 16

// number is a candidate parsed into digit groups.
type number struct {
	plus    bool // starts with '+'
	parens  bool // holds '(' or ')'
	digits  [20]byte
	nd      int // number of digits
	glen    [maxGroups]int
	ng      int // number of groups
	seps    [maxGroups - 1]string
	sameSep byte // the separator, when all are the same single byte; 0 otherwise
	badSep  bool // some separator is not a valid one
}

// classifyNumber judges one trimmed numeric candidate.
func classifyNumber(p string) mask {
	var n number
	k := 0
	if p != "" && p[0] == '+' {
		n.plus = true
		k = 1
	}
	for k < len(p) {
		// separator before the group
		st := k
		for k < len(p) && !isDigit(p[k]) {
			if p[k] == '+' {
				return 0 // '+' only at the start
			}
			k++
		}
		sep := p[st:k]
		if k == len(p) {
			break // trailing ')'
		}
		if n.ng == maxGroups {
			return 0
		}
		if n.ng > 0 {
			n.seps[n.ng-1] = sep
			if !validSep(sep) {
				n.badSep = true
			}
		} else if sep != "" {
			if sep != "(" && !(n.plus && (sep == " (" || sep == " ")) {
				return 0
			}
		}
		gs := k
		for k < len(p) && isDigit(p[k]) {
			if n.nd == len(n.digits) {
				return 0
			}
			n.digits[n.nd] = p[k]
			n.nd++
			k++
		}
		n.glen[n.ng] = k - gs
		n.ng++
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '(' || p[i] == ')' {
			n.parens = true
			break
		}
	}
	if n.ng > 1 {
		n.sameSep = 0
		if len(n.seps[0]) == 1 {
			n.sameSep = n.seps[0][0]
			for g := 1; g < n.ng-1; g++ {
				if n.seps[g] != n.seps[0] {
					n.sameSep = 0
					break
				}
			}
		}
	}
	if !parensBalanced(p) {
		return 0
	}
	var found mask
	if n.isPhone(p) {
		found |= 1 << kPhone
	}
	if !n.plus && !n.parens {
		if n.isSSN() {
			found |= 1 << kNationalID
		}
		if n.isCard() {
			found |= 1 << kCard
		}
	}
	return found
}

// validSep: the separators allowed between two digit groups.
func validSep(s string) bool {
	switch s {
	case " ", "-", ".", ") ", ")", " (", "(", ")-", ").":
		return true
	}
	return false
}

// parensBalanced: parentheses, if any, come as one "(" … ")" pair around
// digits.
func parensBalanced(p string) bool {
	depth, pairs := 0, 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '(':
			if depth != 0 {
				return false
			}
			depth++
		case ')':
			if depth != 1 {
				return false
			}
			depth--
			pairs++
		}
	}
	return depth == 0 && pairs <= 1
}

// isPhone: E.164 with '+', or a national number with separators.
func (n *number) isPhone(p string) bool {
	if n.badSep {
		return false
	}
	if n.plus {
		return n.nd >= 8 && n.nd <= 15 && n.digits[0] != '0'
	}
	if n.ng < 2 || n.nd < 10 || n.nd > 11 {
		return false // a bare run of digits is an id, not a phone
	}
	g := n.glen[:n.ng]
	// North American: [1] AAA BBB CCCC, area code 2–9, "(AAA) BBB-CCCC".
	off := 0
	if n.ng == 4 && g[0] == 1 && n.digits[0] == '1' {
		off = 1
	}
	if n.ng-off == 3 && g[off] == 3 && g[off+1] == 3 && g[off+2] == 4 && n.digits[off] >= '2' {
		if !n.parens {
			return true
		}
		// parentheses only around the area code
		return parenArea(p)
	}
	// National with a trunk prefix 0 and one kind of separator:
	// 020 7946 0958, 01 23 45 67 89.
	if n.parens || n.digits[0] != '0' || n.ng > 5 || n.sameSep == 0 {
		return false
	}
	quad := n.sameSep == '.' && n.ng == 4 // 052.129.249.66 is a bad IP, not a phone
	for i, l := range g {
		if l < 2 || (i == 0 && l > 5) {
			return false
		}
		quad = quad && l <= 3
	}
	return !quad
}

// parenArea reports whether the only parenthesised group of p is the
// NANP area code: "(555) 123-4567" or "1 (555) 123-4567".
func parenArea(p string) bool {
	o := -1
	for i := 0; i < len(p); i++ {
		if p[i] == '(' {
			o = i
			break
		}
	}
	if o < 0 || o+4 >= len(p) {
		return false
	}
	return isDigit(p[o+1]) && isDigit(p[o+2]) && isDigit(p[o+3]) && p[o+4] == ')'
}

// isSSN: AAA-GG-SSSS, area not 000, 666 or 9xx, group not 00, serial not
// 0000.
func (n *number) isSSN() bool {
	if n.ng != 3 || n.glen[0] != 3 || n.glen[1] != 2 || n.glen[2] != 4 || n.seps[0] != "-" || n.seps[1] != "-" {
		return false
	}
	d := n.digits[:9]
	area := string(d[:3])
	if area == "000" || area == "666" || d[0] == '9' || string(d[3:5]) == "00" || string(d[5:9]) == "0000" {
		return false
	}
	return true
}

// isCard: 13–19 digits, as one group or in the usual groupings, spaces or
// dashes, a known issuer prefix and length, and the Luhn check.
func (n *number) isCard() bool {
	if n.nd < 13 || n.nd > 19 || n.badSep {
		return false
	}
	if n.ng > 1 {
		if n.sameSep != ' ' && n.sameSep != '-' {
			return false
		}
		g := n.glen[:n.ng]
		fours := true
		for i, l := range g {
			if l != 4 && !(i == len(g)-1 && l >= 1 && l <= 4) {
				fours = false
				break
			}
		}
		amex := len(g) == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 5 || g[2] == 4)
		if !fours && !amex {
			return false
		}
	}
	d := n.digits[:n.nd]
	return issuer(d) && luhn(d)
}

// issuer reports whether d starts with a known card issuer's prefix and
// has a length that issuer uses.
func issuer(d []byte) bool {
	l := len(d)
	p := func(k int) int { // the first k digits as a number
		v := 0
		for _, c := range d[:k] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	p2, p4 := p(2), p(4)
	switch {
	case d[0] == '4': // Visa
		return l == 13 || l == 16 || l == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return l == 16
	case p2 == 34 || p2 == 37: // American Express
		return l == 15
	case p4 == 6011, p2 == 65, p(3) >= 644 && p(3) <= 649: // Discover
		return l >= 16
	case p4 >= 3528 && p4 <= 3589: // JCB
		return l >= 16
	case p2 == 36, p2 == 38, p2 == 39, p(3) >= 300 && p(3) <= 305: // Diners Club
		return l >= 14
	case p2 == 62: // UnionPay
		return l >= 16
	case p2 == 50, p2 >= 56 && p2 <= 58, p4 == 6304, p4 == 6759: // Maestro
		return l >= 13
	}
	return false
}

// luhn reports whether the digits pass the Luhn check.
func luhn(d []byte) bool {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if (len(d)-1-i)%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// ---- IBAN, UK National Insurance number ----

// ibanLength is the IBAN length of each country in the IBAN registry
// (SWIFT, ISO 13616) that this check knows.
var ibanLength = map[[2]byte]int{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28, {'B', 'A'}: 20,
	{'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'R'}: 29, {'C', 'H'}: 21, {'C', 'R'}: 22,
	{'C', 'Y'}: 28, {'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'K'}: 18, {'D', 'O'}: 28, {'E', 'E'}: 20,
	{'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'O'}: 18, {'F', 'R'}: 27, {'G', 'B'}: 22, {'G', 'E'}: 22,
	{'G', 'I'}: 23, {'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28, {'H', 'R'}: 21, {'H', 'U'}: 28,
	{'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'S'}: 26, {'I', 'T'}: 27, {'J', 'O'}: 30, {'K', 'W'}: 30,
	{'K', 'Z'}: 20, {'L', 'B'}: 28, {'L', 'I'}: 21, {'L', 'T'}: 20, {'L', 'U'}: 20, {'L', 'V'}: 21,
	{'M', 'C'}: 27, {'M', 'D'}: 24, {'M', 'E'}: 22, {'M', 'K'}: 19, {'M', 'R'}: 27, {'M', 'T'}: 31,
	{'M', 'U'}: 30, {'N', 'L'}: 18, {'N', 'O'}: 15, {'P', 'K'}: 24, {'P', 'L'}: 28, {'P', 'S'}: 29,
	{'P', 'T'}: 25, {'Q', 'A'}: 29, {'R', 'O'}: 24, {'R', 'S'}: 22, {'S', 'A'}: 24, {'S', 'E'}: 24,
	{'S', 'I'}: 19, {'S', 'K'}: 24, {'S', 'M'}: 27, {'T', 'N'}: 24, {'T', 'R'}: 26, {'U', 'A'}: 29,
	{'V', 'G'}: 24, {'X', 'K'}: 20,
}

// spans records where IBANs were found, the first few of a cell.
type spans struct {
	n  int
	at [4][2]int
}

func (p *spans) add(i, j int) {
	if p.n < len(p.at) {
		p.at[p.n] = [2]int{i, j}
		p.n++
	}
}

func (p *spans) overlaps(i, j int) bool {
	for _, a := range p.at[:p.n] {
		if i < a[1] && a[0] < j {
			return true
		}
	}
	return false
}

// scanCodes finds IBANs and UK National Insurance numbers: both start
// with two capital letters at the start of a word. It records the IBANs'
// spans in ibans.
func scanCodes(s string, ibans *spans) mask {
	var found mask
	for i := 0; i+8 < len(s); i++ {
		if !isUpper(s[i]) || !isUpper(s[i+1]) || (i > 0 && isAlnum(s[i-1])) {
			continue
		}
		if isDigit(s[i+2]) && isDigit(s[i+3]) {
			if j, ok := ibanEnd(s, i); j > 0 {
				// IBAN-shaped, valid or not: its digits are no phone
				// or card number.
				ibans.add(i, j)
				if ok {
					found |= 1 << kIBAN
				}
			}
		}
		if isNINO(s, i) {
			found |= 1 << kNationalID
		}
	}
	return found
}

// ibanEnd returns the end of the IBAN-shaped string that starts at s[i]
// (a known country, compact or in groups of four separated by single
// spaces, the country's length, followed by no letter or digit), 0 if
// there is none, and whether it passes the MOD 97-10 check.
func ibanEnd(s string, i int) (int, bool) {
	l, ok := ibanLength[[2]byte{s[i], s[i+1]}]
	if !ok {
		return 0, false
	}
	var buf [34]byte
	n, j := 0, i
	for n < l && j < len(s) {
		c := s[j]
		switch {
		case isDigit(c) || isUpper(c):
			buf[n] = c
			n++
			j++
		case c == ' ' && n%4 == 0 && n > 0 && j+1 < len(s) && s[j-1] != ' ':
			j++
		default:
			return 0, false
		}
	}
	if n < l || (j < len(s) && isAlnum(s[j])) {
		return 0, false
	}
	return j, mod97(buf[:l]) == 1
}

// mod97 is the ISO 7064 MOD 97-10 remainder of an IBAN: its first four
// characters moved to the end, letters as 10–35.
func mod97(iban []byte) int {
	r := 0
	add := func(c byte) {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A'+10)) % 97
		}
	}
	for _, c := range iban[4:] {
		add(c)
	}
	for _, c := range iban[:4] {
		add(c)
	}
	return r
}

// isNINO reports whether a UK National Insurance number starts at s[i]:
// AB123456C or AB 12 34 56 C, with the suffix A–D and the official prefix
// rules (first letter not D F I Q U V, second not D F I O Q U V, and not
// BG GB KN NK NT TN ZZ).
func isNINO(s string, i int) bool {
	a, b := s[i], s[i+1]
	switch a {
	case 'D', 'F', 'I', 'Q', 'U', 'V':
		return false
	}
	switch b {
	case 'D', 'F', 'I', 'O', 'Q', 'U', 'V':
		return false
	}
	switch string(s[i : i+2]) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	var end int
	switch {
	case i+9 <= len(s) && allDigits(s[i+2:i+8]):
		end = i + 8
	case i+13 <= len(s) && s[i+2] == ' ' && s[i+5] == ' ' && s[i+8] == ' ' && s[i+11] == ' ' &&
		allDigits(s[i+3:i+5]) && allDigits(s[i+6:i+8]) && allDigits(s[i+9:i+11]):
		end = i + 12
	default:
		return false
	}
	if c := s[end]; c < 'A' || c > 'D' {
		return false
	}
	return end+1 == len(s) || !isAlnum(s[end+1])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// ---- IP addresses ----

// hasIPv4 reports whether s holds a dotted quad: four decimal octets
// 0–255 without leading zeros, as a maximal run of digits and dots that
// no letter, digit or dot precedes and no letter or digit follows (dots
// after it end a sentence).
func hasIPv4(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if !isDigit(c) && c != '.' {
			i++
			continue
		}
		j := i
		for j < len(s) && (isDigit(s[j]) || s[j] == '.') {
			j++
		}
		ok := isDigit(c) && (i == 0 || !isAlnum(s[i-1])) && (j == len(s) || !isAlnum(s[j]))
		if ok {
			e := j
			for e > i && s[e-1] == '.' {
				e--
			}
			if j-i <= 20 && dottedQuad(s[i:e]) {
				return true
			}
		}
		i = j
	}
	return false
}

func dottedQuad(p string) bool {
	octets, v, nd := 0, 0, 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '.' {
			if nd == 0 || v > 255 {
				return false
			}
			octets++
			v, nd = 0, 0
			continue
		}
		if nd > 0 && v == 0 {
			return false // leading zero
		}
		v = v*10 + int(p[i]-'0')
		nd++
		if nd > 3 {
			return false
		}
	}
	return octets == 4
}

// hasIPv6 reports whether s holds an IPv6 address: a maximal run of hex
// digits, ':' and '.' with at least two colons, no letter or digit
// touching it, that net/netip parses as IPv6 and is not the unspecified
// address "::".
func hasIPv6(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ':' {
			continue
		}
		a := i
		for a > 0 && (isHex(s[a-1]) || s[a-1] == ':' || s[a-1] == '.') {
			a--
		}
		b := i
		colons := 0
		for b < len(s) && (isHex(s[b]) || s[b] == ':' || s[b] == '.') {
			if s[b] == ':' {
				colons++
			}
			b++
		}
		i = b // the run holds every colon up to b
		if colons < 2 || (a > 0 && isAlnum(s[a-1])) || (b < len(s) && isAlnum(s[b])) {
			continue
		}
		e := b
		for e > a && s[e-1] == '.' {
			e--
		}
		if e-a > 45 {
			continue
		}
		if ip, err := netip.ParseAddr(s[a:e]); err == nil && ip.Is6() && !ip.IsUnspecified() {
			return true
		}
	}
	return false
}
