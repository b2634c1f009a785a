package pipeline

import (
	"context"
	"math"
	"sync"
)

// firstError keeps, of the errors a run's work items end with, the one of
// the item first in reading order (the inputs in order, each input's units
// in order), so that an input with several faults reports the first of
// them, on every run, whichever worker reaches its fault first. Without it
// a file with two bad rows in different units named one or the other by
// timing alone.
//
// An error cancels the items after it: those being read, through their own
// contexts, and those not yet handed out (stop is closed). The items before
// it are read to the end, since one of them may fail too and then be the
// one to report; at most a worker's unit each is left to read.
type firstError struct {
	mu      sync.Mutex
	seq     int // the failed item's; math.MaxInt while none has failed
	err     error
	running map[int]context.CancelFunc
	stop    chan struct{} // closed at the first error
}

func newFirstError() *firstError {
	return &firstError{seq: math.MaxInt, running: map[int]context.CancelFunc{}, stop: make(chan struct{})}
}

// start returns the context to read item seq with, and false when an item
// before it has failed already (the item is not to be read).
func (f *firstError) start(ctx context.Context, seq int) (context.Context, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if seq > f.seq {
		return nil, false
	}
	ctx, cancel := context.WithCancel(ctx)
	f.running[seq] = cancel
	return ctx, true
}

// done records how item seq ended.
func (f *firstError) done(seq int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cancel, ok := f.running[seq]; ok {
		cancel()
		delete(f.running, seq)
	}
	if err == nil || seq >= f.seq {
		// An item after the failed one may end with the cancellation
		// itself; it is not the error to report.
		return
	}
	if f.seq == math.MaxInt {
		close(f.stop)
	}
	f.seq, f.err = seq, err
	for s, cancel := range f.running {
		if s > seq {
			cancel()
		}
	}
}

// result is the error of the first item in reading order that failed, or
// nil.
func (f *firstError) result() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
