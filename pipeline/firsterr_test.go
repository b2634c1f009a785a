package pipeline

import (
	"context"
	"errors"
	"testing"
)

// TestFirstError: the error kept is the one of the first item in reading
// order, whatever order the items end in; an error cancels the items after
// it that are being read, and refuses those not yet started, but leaves
// the items before it alone.
func TestFirstError(t *testing.T) {
	f := newFirstError()
	ctx := context.Background()
	started := map[int]context.Context{}
	for _, seq := range []int{2, 4, 6} {
		c, ok := f.start(ctx, seq)
		if !ok {
			t.Fatalf("item %d refused before any error", seq)
		}
		started[seq] = c
	}
	e4, e2 := errors.New("four"), errors.New("two")
	f.done(4, e4)
	select {
	case <-f.stop:
	default:
		t.Fatal("stop not closed at the first error")
	}
	if started[6].Err() == nil {
		t.Error("item 6, after the failed item 4, not cancelled")
	}
	if started[2].Err() != nil {
		t.Error("item 2, before the failed item 4, cancelled")
	}
	if _, ok := f.start(ctx, 5); ok {
		t.Error("item 5 started after item 4 failed")
	}
	if _, ok := f.start(ctx, 3); !ok {
		t.Error("item 3 refused though only item 4 failed")
	}
	f.done(6, context.Canceled)
	if err := f.result(); err != e4 {
		t.Errorf("after item 6's cancellation: %v, want item 4's error", err)
	}
	f.done(3, nil)
	f.done(2, e2)
	if err := f.result(); err != e2 {
		t.Errorf("%v, want item 2's error, the first in reading order", err)
	}
	if started[2].Err() == nil {
		t.Error("item 2's context not released once done")
	}
}
