package pipeline

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// hybrid encodes indices at bit width w in the RLE/bit-packed hybrid
// encoding the naive way, a bit at a time: runs of repeated values where
// rep says so, groups of eight bit-packed otherwise (the last padded with
// zeros, or cut to the bytes its values take when cut is set). Only a
// page's last run may be padded: the padding is indices too.
type hybrid struct {
	w   int
	out []byte
}

func (h *hybrid) repeated(v uint32, n int) {
	h.out = binary.AppendUvarint(h.out, uint64(n)<<1)
	for i := range (h.w + 7) / 8 {
		h.out = append(h.out, byte(v>>(8*i)))
	}
}

func (h *hybrid) packed(vals []uint32, cut bool) {
	groups := (len(vals) + 7) / 8
	h.out = binary.AppendUvarint(h.out, uint64(groups)<<1|1)
	bits := make([]byte, groups*h.w)
	for i, v := range vals {
		for b := range h.w {
			if v>>b&1 == 1 {
				k := i*h.w + b
				bits[k/8] |= 1 << (k % 8)
			}
		}
	}
	if cut {
		bits = bits[:(len(vals)*h.w+7)/8]
	}
	h.out = append(h.out, bits...)
}

// next returns d's next index, below n, or says why it cannot, as the
// readers take them.
func (d *dictIndices) next(n int) (int, error) {
	if v := d.take(n); v >= 0 {
		return v, nil
	}
	return d.nextSlow(n)
}

// TestDictIndices decodes indices of every bit width from 0 to 32, in
// repeated and bit-packed runs of every length and a last group cut short,
// against what a naive encoder wrote: the same indices, in order, then an
// error once they are used up.
func TestDictIndices(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for w := 0; w <= 32; w++ {
		n := 1 << min(w, 31) // the dictionary's size: every index below it
		if w == 32 {
			n = 1<<32 - 1
		}
		var want []uint32
		h := &hybrid{w: w}
		for run := range 40 {
			k := 1 + r.IntN(3000)
			if run == 39 {
				k = 1 + r.IntN(20)
			}
			if r.IntN(2) == 0 {
				v := uint32(r.Int64N(int64(n)))
				h.repeated(v, k)
				for range k {
					want = append(want, v)
				}
				continue
			}
			if run < 39 {
				k = (k + 7) / 8 * 8 // only a page's last run is padded
			}
			vals := make([]uint32, k)
			for i := range vals {
				vals[i] = uint32(r.Int64N(int64(n)))
			}
			want = append(want, vals...)
			h.packed(vals, run == 39)
		}
		var d dictIndices
		d.start(h.out, byte(w))
		for i, v := range want {
			got, err := d.next(n)
			if err != nil {
				t.Fatalf("width %d: index %d: %v", w, i, err)
			}
			if got != int(v) {
				t.Fatalf("width %d: index %d is %d, want %d", w, i, got, v)
			}
		}
		// The last run is cut short: nothing is left; or, padded, the
		// group's zeros.
		for {
			v, err := d.next(n)
			if err != nil {
				break
			}
			if v != 0 {
				t.Fatalf("width %d: %d after the last index", w, v)
			}
		}
	}
}

// TestDictIndicesErrors: an index beyond the dictionary, runs cut short
// and headers cut short are errors, not panics.
func TestDictIndicesErrors(t *testing.T) {
	h := &hybrid{w: 4}
	h.repeated(3, 5)
	h.packed([]uint32{1, 2, 9, 0}, false)
	var d dictIndices
	d.start(h.out, 4)
	for i := range 7 {
		if _, err := d.next(9); err != nil {
			t.Fatalf("index %d: %v", i, err)
		}
	}
	if _, err := d.next(9); err == nil || !strings.Contains(err.Error(), "dictionary index 9") {
		t.Errorf("index 9 of a dictionary of 9: %v", err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "end before"},
		{"header cut", []byte{0x80}, "header"},
		{"repeated value cut", []byte{10, 1}, "inside a run"},
	} {
		d.start(c.data, 12)
		if _, err := d.next(1 << 12); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}
