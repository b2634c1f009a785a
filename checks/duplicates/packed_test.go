package duplicates

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/rowhash"
)

// Every row appends an aggregate to the row, id and feature tables: a
// 16-byte key and an 8-byte value each. They must not grow unnoticed.
func TestAggregateSizes(t *testing.T) {
	if s := unsafe.Sizeof(first(0)); s != 8 {
		t.Errorf("first is %d bytes, want 8", s)
	}
	if s := unsafe.Sizeof(feature(0)); s != 8 {
		t.Errorf("feature is %d bytes, want 8", s)
	}
}

// TestPackedFolds folds random rows' aggregates in random groupings and
// checks them against the fields a naive fold keeps: the earliest
// position, whether a row repeats, the train and plain flags, and the
// count of rows in other splits.
func TestPackedFolds(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 2000 {
		n := 1 + r.IntN(6)
		type row struct {
			input        int
			row          int64
			train, plain bool
			other        bool
		}
		rows := make([]row, n)
		for i := range rows {
			rows[i] = row{input: r.IntN(3), row: r.Int64N(checks.MaxInputRows), train: r.IntN(3) == 0, plain: r.IntN(2) == 0}
			rows[i].other = !rows[i].train && r.IntN(2) == 0
			if trial%2 == 0 {
				rows[i].input = checks.MaxInputs - 1 - rows[i].input
			}
		}
		// Fold rows into aggregates one by one, then fold the aggregates
		// pairwise in random order, as merges and spilled runs do.
		fs := make([]first, n)
		ft := make([]feature, n)
		for i, x := range rows {
			fs[i] = firstAt(x.input, x.row)
			if x.train {
				ft[i] |= featTrain
			}
			if x.plain {
				ft[i] |= featPlain
			}
			if x.other {
				ft[i] += featOther
			}
		}
		for len(fs) > 1 {
			i, j := r.IntN(len(fs)), r.IntN(len(fs)-1)
			if j >= i {
				j++
			}
			combineFirst(rowhash.Fingerprint{}, &fs[i], &fs[j], false)
			mergeFeature(rowhash.Fingerprint{}, &ft[i], &ft[j], false)
			fs = append(fs[:j], fs[j+1:]...)
			ft = append(ft[:j], ft[j+1:]...)
		}
		var zf first
		var zt feature
		combineFirst(rowhash.Fingerprint{}, &zf, &fs[0], true)
		mergeFeature(rowhash.Fingerprint{}, &zt, &ft[0], true)

		minIn, minRow := rows[0].input, rows[0].row
		var train, plain bool
		var other int64
		for _, x := range rows {
			if x.input < minIn || x.input == minIn && x.row < minRow {
				minIn, minRow = x.input, x.row
			}
			train, plain = train || x.train, plain || x.plain
			if x.other {
				other++
			}
		}
		if p := zf.pos(); p.Input() != minIn || p.Row() != minRow || zf.repeated() != (n > 1) {
			t.Fatalf("trial %d: first (%d, %d) repeated %v; want (%d, %d) %v", trial, p.Input(), p.Row(), zf.repeated(), minIn, minRow, n > 1)
		}
		if zt.train() != train || zt.plain() != plain || zt.other() != other || (zt&featRepeated != 0) != (n > 1) {
			t.Fatalf("trial %d: feature train %v plain %v other %d repeated %v; want %v %v %d %v",
				trial, zt.train(), zt.plain(), zt.other(), zt&featRepeated != 0, train, plain, other, n > 1)
		}
	}
}
