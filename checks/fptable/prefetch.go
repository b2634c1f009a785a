package fptable

// prefetched is a partition being read back in the background.
type prefetched[V any] struct {
	done chan struct{}
	tb   *Table[V]
	err  error
}

// Prefetch starts reading partition p back (see [Parts.Open]) on another
// goroutine, if it has runs on disk or pending aggregates, so that the next
// Open(p) finds it done: folding a partition's aggregates is most of an
// audit's time after the read, and a check reading its partitions in turn
// otherwise uses one core. [Parts.Visit] prefetches the next partition
// itself; callers that open partitions in turn (several tables in
// lockstep) call Prefetch(p+1) after Open(p).
//
// At most one partition is read ahead at a time (a call while one is
// under way does nothing), so memory beyond the budget is one partition
// more. The repeat hook ([Parts.OnRepeat]) may then run on that goroutine,
// one call at a time with the caller's: what it writes must not be read
// until the prefetched partition has been opened, or the table visited
// or freed. Add, Merge and Free wait for a prefetch under way and
// close the partition first.
func (t *Parts[V]) Prefetch(p int) {
	t.finishWrite()
	if p < 0 || p >= len(t.pre) || t.inflight > 0 || t.err != nil || t.pre[p] != nil || t.open[p] != nil ||
		len(t.runs[p]) == 0 && t.pendN[p] == 0 {
		return
	}
	pf := &prefetched[V]{done: make(chan struct{})}
	t.pre[p] = pf
	t.inflight++
	bufs := t.stage2.make()
	go func() {
		defer close(pf.done)
		pf.tb, pf.err = t.load(p, bufs)
	}()
}

// take waits for the prefetch of partition p and opens it.
func (t *Parts[V]) take(p int) (*Table[V], error) {
	pf := t.pre[p]
	<-pf.done
	t.pre[p] = nil
	t.inflight--
	if pf.err != nil {
		if t.err == nil {
			t.err = pf.err
		}
		return nil, pf.err
	}
	if t.err != nil {
		// Read back, but an error came since: it stays open until Close.
		return nil, t.err
	}
	return pf.tb, nil
}

// settle waits for the prefetch under way, if any, and closes its
// partition.
func (t *Parts[V]) settle() {
	for p := 0; t.inflight > 0 && p < len(t.pre); p++ {
		if t.pre[p] != nil {
			if _, err := t.take(p); err == nil || t.open[p] != nil {
				_ = t.Close(p) // an error is sticky in t.err
			}
		}
	}
}
