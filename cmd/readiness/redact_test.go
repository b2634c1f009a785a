package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// redactJSON keeps every document it does not change byte for byte, and
// one it changes keeps its keys' order and every other value.
func TestRedactJSON(t *testing.T) {
	upper := func(s string) (string, int) {
		if strings.Contains(s, "@") {
			return "[email]", 1
		}
		return s, 0
	}
	same := `{"b":1,"a":[1,2.50,{"x":"y"}],"c":null,"d":true}`
	got, n, err := redactJSON([]byte(same), upper)
	if err != nil || n != 0 || string(got) != same {
		t.Fatalf("unchanged document: %s, %d, %v", got, n, err)
	}
	in := `{"z":{"a@b.c":3,"k":["x","me@x.org",{"q":"w@v.io"}]},"a":[],"e":{},"n":-1.5e3}`
	got, n, err = redactJSON([]byte(in), upper)
	if err != nil || n != 3 {
		t.Fatalf("%s, %d, %v", got, n, err)
	}
	want := `{"z":{"[email]":3,"k":["x","[email]",{"q":"[email]"}]},"a":[],"e":{},"n":-1.5e3}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Errorf("invalid JSON %s", got)
	}
}
