package main

import (
	"errors"
	"testing"

	"github.com/spf13/pflag"
)

func TestRemoteFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"--endpoint-url", "http://localhost:9000"}, true},
		{[]string{"--endpoint-url", "https://s3.example.com", "--no-sign-request", "--max-requests", "4"}, true},
		{[]string{"--endpoint-url", "localhost:9000"}, false},
		{[]string{"--endpoint-url", "ftp://host"}, false},
		{[]string{"--max-requests", "0"}, false},
	} {
		fl := pflag.NewFlagSet("audit", pflag.ContinueOnError)
		rf := addRemoteFlags(fl)
		if err := fl.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		opts, err := rf.discoverOptions("")
		if c.ok != (err == nil) {
			t.Errorf("%v: err = %v", c.args, err)
			continue
		}
		var ee *exitError
		if err != nil && (!errors.As(err, &ee) || ee.code != exitUsage) {
			t.Errorf("%v: %v is not a usage error", c.args, err)
		}
		if err == nil {
			if opts.Remote == nil {
				t.Errorf("%v: no client", c.args)
			}
			again, _ := rf.discoverOptions("csv")
			if again.Remote != opts.Remote || again.Format != "csv" {
				t.Errorf("%v: a second call must share the client and take the format", c.args)
			}
		}
	}
}
