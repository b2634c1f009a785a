package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/readiness/readiness/pipeline/remote"
	"github.com/readiness/readiness/report"
	"github.com/spf13/cobra"
)

func newVerifyCmd() *cobra.Command {
	var rf *remoteFlags
	cmd := &cobra.Command{
		Use:   "verify REPORT.json",
		Short: "Check that the inputs a report describes are still the same bytes",
		Long: `verify re-reads every input named in a report.json (and its reference
dataset's) and compares it with what the report recorded: the size and the
sha256 of its bytes, or — for a report written with --no-hash — the size and
the modification time. Paths are read as recorded, relative to the current
folder when they are relative. A remote object (s3://, gs://, az://,
https://) is compared by its size and its version (ETag or generation) as
the store lists it now; its bytes are not hashed.

Exit codes: 0 every input matches; 1 at least one input changed or is gone;
2 the report cannot be read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dopts, err := rf.discoverOptions("")
			if err != nil {
				return err
			}
			return runVerify(cmd.Context(), cmd.OutOrStdout(), args[0], dopts.Remote)
		},
	}
	rf = addRemoteFlags(cmd.Flags())
	return cmd
}

// verdict of one input.
type inputCheck struct {
	path, state, detail string
}

func runVerify(ctx context.Context, stdout io.Writer, path string, client *remote.Client) error {
	rep, err := report.Read(path)
	if err != nil {
		return usage(err)
	}
	if rep.Provenance.InputHash == "" {
		return usage(fmt.Errorf("%s: the report records no provenance (schema %s; verify needs 1.2.0 or later)", path, rep.SchemaVersion))
	}
	inputs := append([]report.Input(nil), rep.Inputs...)
	if rep.Reference != nil {
		inputs = append(inputs, rep.Reference.Inputs...)
	}
	hashed := rep.Provenance.InputHash == "sha256"
	changed := 0
	for _, in := range inputs {
		c := verifyInput(ctx, in, hashed, client)
		if c.state != "ok" && c.state != "not checked" {
			changed++
		}
		line := fmt.Sprintf("%-8s %s", c.state, c.path)
		if c.detail != "" {
			line += ": " + c.detail
		}
		if _, err := fmt.Fprintln(stdout, line); err != nil {
			return failed(err)
		}
	}
	how := "size and sha256"
	if !hashed {
		how = "size and modification time only (the report was written with --no-hash)"
	}
	for _, in := range inputs {
		if remote.IsURL(in.Path) {
			how += "; remote objects by size and version"
			break
		}
	}
	if changed > 0 {
		return &exitError{code: exitGate, err: fmt.Errorf("%d of %d inputs no longer match %s (compared %s)", changed, len(inputs), path, how)}
	}
	_, err = fmt.Fprintf(stdout, "all %d inputs match %s (compared %s)\n", len(inputs), path, how)
	return err
}

func verifyInput(ctx context.Context, in report.Input, hashed bool, client *remote.Client) inputCheck {
	c := inputCheck{path: in.Path, state: "ok"}
	if remote.IsURL(in.Path) {
		return verifyRemote(ctx, in, client)
	}
	info, err := os.Stat(in.Path)
	if err != nil {
		c.state, c.detail = "missing", err.Error()
		return c
	}
	if info.Size() != in.Bytes {
		c.state, c.detail = "changed", fmt.Sprintf("size %d bytes, the report recorded %d", info.Size(), in.Bytes)
		return c
	}
	if !hashed {
		if in.ModTime != "" && info.ModTime().UTC().Format(time.RFC3339Nano) != in.ModTime {
			c.state, c.detail = "changed", fmt.Sprintf("modified %s, the report recorded %s", info.ModTime().UTC().Format(time.RFC3339Nano), in.ModTime)
		}
		return c
	}
	sum, err := hashFile(ctx, in.Path)
	if err != nil {
		c.state, c.detail = "unreadable", err.Error()
		return c
	}
	if sum != in.SHA256 {
		c.state, c.detail = "changed", "sha256 "+sum+", the report recorded "+orNone(in.SHA256)
	}
	return c
}

// verifyRemote compares a remote object's size and version with the
// report's.
func verifyRemote(ctx context.Context, in report.Input, client *remote.Client) inputCheck {
	c := inputCheck{path: in.Path, state: "ok"}
	objs, _, err := client.List(ctx, in.Path)
	switch {
	case err != nil && remote.NotFound(err):
		c.state, c.detail = "missing", err.Error()
	case err != nil:
		c.state, c.detail = "unreadable", err.Error()
	case len(objs) != 1:
		c.state, c.detail = "missing", fmt.Sprintf("the URL now names %d objects", len(objs))
	case objs[0].Size != in.Bytes:
		c.state, c.detail = "changed", fmt.Sprintf("size %d bytes, the report recorded %d", objs[0].Size, in.Bytes)
	case in.Version != "" && objs[0].Version != in.Version:
		c.state, c.detail = "changed", "version "+orNone(objs[0].Version)+", the report recorded "+in.Version
	case in.Version == "":
		c.detail = "size only: the store gave no version"
	}
	return c
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
