package duplicates

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/readiness/readiness/checks"
	"github.com/readiness/readiness/checks/fptable"
	"github.com/readiness/readiness/checks/rowhash"
)

// The ids (duplicate_ids, DUP003): which rows reuse an earlier row's id.
//
// An id column is nearly always integers, nearly always distinct, and
// nearly always dense: row numbers, auto-increment keys. The check used to
// append every id to a table of first positions (a 24-byte pending
// aggregate: the id's fingerprint and the row's position), spill it with
// the other tables and fold it into a hash table at the end, a cache miss
// an id: at 10M rows a throwaway build without that table was 0.36–0.72 s
// faster and spilled 0.26 GB less (docs/performance.md, 2026-11-27 i).
//
// So while every id's fingerprint is an integer's ([rowhash.Int]: the
// fingerprint's low word is the integer, exactly), a worker's state keeps
// instead:
//
//   - seen, a bitmap of the ids, in blocks of 65,536 ids (8 KiB) looked up
//     by the id's high bits, the last block used kept at hand: dense ids
//     take a bit each, and setting it is an array access;
//   - dups, a bitmap of the ids it saw more than once;
//   - log, every id in row order, 64 to an entry with the first row's
//     position (8.5 bytes an id, in a partitioned table under the memory
//     budget like the others, so it spills too).
//
// Merging two states ORs their bitmaps and adds to dups the ids both saw.
// At the end seen's bits are the distinct ids. When dups is not empty, the
// log is read once and only the rows whose id is in dups go into the table
// of first positions, which lists the later ones as before: the same
// positions, groups and counts, for a fraction of the rows.
//
// A state falls back to the table (replaying its log into it, then
// appending every id as before) when an id is not an integer — strings,
// UUIDs, fractional numbers — when the bitmaps would cost too much: more
// than a byte per id seen (past idSlack; ids sparser than one in eight of
// their range, such as random 64-bit keys), or more than their share of a
// limited budget (idBudgetShare) — or when ids mostly repeat
// (idRepeatShare), where the table was as fast. Merging a state that fell
// back with one that did not turns the other to the table too. Both ways
// give the same results; the tests compare them with each other and with
// a naive count.
//
// The bitmaps live on the Go heap (they are small: 1.25 MB a worker for
// 10M dense ids) and are counted in the memory budget, which the tables
// then make room for by spilling.

const (
	idBlockBits  = 16                      // a block covers 2^16 ids
	idBlockWords = 1 << (idBlockBits - 6)  // 1,024 words
	idBlockBytes = int64(idBlockWords * 8) // 8 KiB
	idRunLen     = 64                      // ids in a log entry
)

// idSlack is what a state's bitmaps may take whatever their density; past
// it, a byte per id seen.
const idSlack = 64 * idBlockBytes

// idBudgetShare: the bitmaps of all the workers' states take at most
// 1/idBudgetShare of a limited budget, each state a worker's part of
// that.
//
// Until 2026-11-30 each state could take a 32nd of the budget, 8 MiB of
// the default 256 MiB: the bits of 67M ids, seen once and seen twice
// together. The 100M-row benchmark passed it on both workers, and from
// there every id went through the table, 24 bytes an id appended,
// spilled and folded at the end (4.7 s of CPU, 1.8 GB more spilled).
// With a quarter of the budget for them, 32 MiB a state on two workers,
// the 100M-row audit took 32.5–32.9 s instead of 38.5 s
// (docs/performance.md, 2026-11-30 zk).
const idBudgetShare = 4

// A state falls back to the table once more than 1/idRepeatShare of the
// ids it saw (and at least idRepeatMin) repeat one it had seen: the rows
// of a repeated id go through the table in the end anyway, and on top of
// that the bitmaps and log cost 3–8% of an audit whose ids mostly repeat
// (five copies of the 1M bench file as one dataset, 2026-11-27).
const (
	idRepeatShare = 8
	idRepeatMin   = 1 << 16
)

type idBlock [idBlockWords]uint64

// intTag is the high word of every integer's fingerprint.
var intTag = rowhash.Int(0).Hi

// idRun is a log entry: the ids of up to idRunLen consecutive rows from
// pos, skip marking the rows with no id to read (a null, or past the
// batch's end).
type idRun struct {
	pos  checks.Pos
	skip uint64
	ids  [idRunLen]uint64
}

// each calls f with the position and id of every row of r with an id.
func (r *idRun) each(f func(pos checks.Pos, id uint64)) {
	for i, v := range r.ids {
		if r.skip&(1<<i) == 0 {
			f(r.pos+checks.Pos(i), v)
		}
	}
}

// idLogTag keeps log keys, the runs' positions, apart from zero.
const idLogTag = 1

// ids is a worker's state of the id column.
type ids struct {
	budget *fptable.Budget
	rows   int64 // non-null ids
	// The bitmaps and log; nil once on the table.
	seen, dups map[uint64]*idBlock
	held       int64 // the bitmaps' bytes, held in the budget
	again      int64 // rows whose id the state had seen (see idRepeatShare)
	log        *fptable.Parts[idRun]
	// table holds each distinct id's first position, and lists the rows
	// reusing an earlier row's id in repeats when it is read: every id
	// after a fallback, only those in dups otherwise.
	table   *fptable.Parts[first]
	repeats checks.RowList
	// done: the result was read (distinct), and the state let go of its
	// memory.
	done     bool
	distinct int64
	err      error
}

func newIDs(b *fptable.Budget) *ids {
	return &ids{budget: b, seen: map[uint64]*idBlock{}, dups: map[uint64]*idBlock{},
		log: fptable.NewParts(b, func(_ rowhash.Fingerprint, dst, src *idRun, _ bool) { *dst = *src })}
}

// observe adds a batch's ids, their fingerprints vals (rowhash.Null for a
// null), the first at offset in input.
func (s *ids) observe(input int, offset int64, vals []rowhash.Fingerprint) {
	if s.done {
		s.setErr(errors.New("duplicates: ids observed after the result was read"))
		return
	}
	null := rowhash.Null()
	n := 0
	ints := true
	for _, v := range vals {
		if v != null {
			n++
			ints = ints && v.Hi == intTag
		}
	}
	s.rows += int64(n)
	if s.seen != nil && !ints {
		s.toTable()
	}
	if s.seen == nil {
		for i, v := range vals {
			if v != null {
				pos := firstAt(input, offset+int64(i))
				s.table.Add(s.table.Part(v), v, &pos)
			}
		}
		return
	}
	if n == 0 {
		return
	}
	s.logBatch(input, offset, vals)
	if !s.mark(vals) || s.rows >= idRepeatMin && s.again > s.rows/idRepeatShare {
		s.toTable()
	}
}

// logBatch appends the batch's ids to the log.
func (s *ids) logBatch(input int, offset int64, vals []rowhash.Fingerprint) {
	null := rowhash.Null()
	for start := 0; start < len(vals); start += idRunLen {
		part := vals[start:min(start+idRunLen, len(vals))]
		r := idRun{pos: checks.PosOf(input, offset+int64(start))}
		if len(part) < idRunLen {
			r.skip = ^uint64(0) << len(part)
		}
		for i, v := range part {
			r.ids[i] = v.Lo
			if v == null {
				r.skip |= 1 << i
			}
		}
		if r.skip == ^uint64(0) {
			continue
		}
		k := rowhash.Fingerprint{Hi: idLogTag, Lo: uint64(r.pos)}
		s.log.Add(s.log.Part(k), k, &r)
	}
}

// mark sets the bits of a batch's ids in seen, and in dups those set
// already. It reports false when a block it needs would take the bitmaps
// past their bound (the state must then fall back to the table).
func (s *ids) mark(vals []rowhash.Fingerprint) bool {
	key, blk := ^uint64(0), (*idBlock)(nil) // no id's block has key ^0
	dkey, dblk := ^uint64(0), (*idBlock)(nil)
	for _, v := range vals {
		if v.Hi != intTag {
			continue // a null: mark is only called with integers
		}
		id := v.Lo
		k := id >> idBlockBits
		if k != key {
			if blk = s.block(s.seen, k); blk == nil {
				return false
			}
			key = k
		}
		w, bit := (id>>6)&(idBlockWords-1), uint64(1)<<(id&63)
		if blk[w]&bit == 0 {
			blk[w] |= bit
			continue
		}
		s.again++
		if k != dkey {
			if dblk = s.block(s.dups, k); dblk == nil {
				return false
			}
			dkey = k
		}
		dblk[w] |= bit
	}
	return true
}

// block returns set's block k, adding an empty one if there is none and
// the bitmaps may grow (else nil).
func (s *ids) block(set map[uint64]*idBlock, k uint64) *idBlock {
	if b := set[k]; b != nil {
		return b
	}
	held := s.held + idBlockBytes
	if held > max(idSlack, s.rows) || (s.budget.Limit() > 0 && held > s.budget.Limit()/int64(idBudgetShare*s.budget.Workers())) {
		return nil
	}
	s.budget.Hold(idBlockBytes)
	s.held = held
	b := new(idBlock)
	set[k] = b
	return b
}

// toTable turns the state to the table: its log is replayed into it, and
// the bitmaps and log are let go.
func (s *ids) toTable() {
	s.setErr(s.replay(nil))
	s.freeLog()
}

// replay adds the log's rows to a new table: every row when only is nil,
// else those whose id is in only (a bitmap, dups). The last id's block is
// kept at hand and the test is inline: a map lookup an id made
// BenchmarkIDs 26–27 ms against 20, a test through a function value about
// a fifth slower.
func (s *ids) replay(only map[uint64]*idBlock) error {
	s.table = firsts(s.budget, &s.repeats)
	key, blk := ^uint64(0), (*idBlock)(nil)
	return s.log.Visit(func(_ int, t *fptable.Table[idRun]) {
		t.Each(func(_ rowhash.Fingerprint, r *idRun) {
			r.each(func(pos checks.Pos, id uint64) {
				if only != nil {
					if k := id >> idBlockBits; k != key {
						key, blk = k, only[k]
					}
					if blk == nil || blk[(id>>6)&(idBlockWords-1)]&(1<<(id&63)) == 0 {
						return
					}
				}
				fp := rowhash.Int(int64(id))
				p := first(pos)
				s.table.Add(s.table.Part(fp), fp, &p)
			})
		})
	})
}

// freeLog lets go of the bitmaps and the log.
func (s *ids) freeLog() {
	if s.log != nil {
		s.log.Free()
	}
	s.budget.Release(s.held)
	s.seen, s.dups, s.log, s.held = nil, nil, nil, 0
}

// release lets go of everything the state holds in the budget.
func (s *ids) release() {
	s.freeLog()
	if s.table != nil {
		s.table.Free()
	}
}

func (s *ids) setErr(err error) {
	if err != nil && s.err == nil {
		s.err = err
	}
}

// Err returns the first error writing or reading a spill file.
func (s *ids) Err() error {
	if s.err != nil {
		return s.err
	}
	if s.log != nil {
		if err := s.log.Err(); err != nil {
			return err
		}
	}
	if s.table != nil {
		return s.table.Err()
	}
	return nil
}

// merge folds o into s; o must not be used afterwards.
func (s *ids) merge(o *ids) error {
	if s.done || o.done {
		return errors.New("duplicates: merging ids whose result was read")
	}
	s.rows += o.rows
	if s.seen != nil && o.seen != nil {
		s.again += o.again
		before := s.held + o.held
		for k, ob := range o.seen {
			b := s.seen[k]
			if b == nil {
				s.seen[k] = ob
				continue
			}
			var both idBlock
			overlap := uint64(0)
			for w := range b {
				both[w] = b[w] & ob[w]
				overlap |= both[w]
				b[w] |= ob[w]
			}
			if overlap != 0 {
				orInto(s.dups, k, &both)
			}
		}
		for k, od := range o.dups {
			if s.dups[k] == nil {
				s.dups[k] = od
			} else {
				orInto(s.dups, k, od)
			}
		}
		s.held = idBlockBytes * int64(len(s.seen)+len(s.dups))
		if d := s.held - before; d > 0 {
			s.budget.Hold(d)
		} else {
			s.budget.Release(-d)
		}
		o.seen, o.dups, o.held = nil, nil, 0
		err := s.log.Merge(o.log)
		o.log = nil
		s.setErr(err)
		return s.Err()
	}
	if s.seen != nil {
		s.toTable()
	}
	if o.seen != nil {
		o.toTable()
	}
	s.setErr(o.err)
	s.repeats.Merge(&o.repeats)
	s.setErr(s.table.Merge(o.table))
	return s.Err()
}

// orInto ORs block b into set's block k, a copy of b if set has none.
func orInto(set map[uint64]*idBlock, k uint64, b *idBlock) {
	d := set[k]
	if d == nil {
		c := *b
		set[k] = &c
		return
	}
	for w := range d {
		d[w] |= b[w]
	}
}

// result returns the number of distinct ids; repeats then lists the rows
// reusing an earlier row's id. The first call reads the tables and lets go
// of them; later calls return what it found.
func (s *ids) result() (int64, error) {
	if s.done {
		return s.distinct, nil
	}
	if err := s.Err(); err != nil {
		return 0, err
	}
	if s.seen == nil {
		distinct, err := count(s.table, nil, nil)
		if err != nil {
			return 0, err
		}
		s.done, s.distinct = true, distinct
		return distinct, nil
	}
	var distinct, repeated int64
	for _, b := range s.seen {
		distinct += ones(b)
	}
	for _, b := range s.dups {
		repeated += ones(b)
	}
	if repeated > 0 {
		// Only the rows of ids seen more than once go into the table.
		if err := s.replay(s.dups); err != nil {
			return 0, err
		}
		n, err := count(s.table, nil, nil)
		if err != nil {
			return 0, err
		}
		if n != repeated {
			return 0, fmt.Errorf("duplicates: %d ids repeat in the bitmaps but %d in the log", repeated, n)
		}
	}
	s.freeLog()
	s.done, s.distinct = true, distinct
	return distinct, nil
}

func ones(b *idBlock) int64 {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return int64(n)
}
