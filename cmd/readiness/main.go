// Command readiness audits a machine-learning training dataset before
// anyone trains on it. See README.md; `readiness --help` lists commands.
//
// Exit codes (DESIGN.md): 0 the data meets the required verdict, 1 it does
// not, 2 usage or configuration error, 3 the audit could not complete,
// 130/143 interrupted by SIGINT/SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// Set by the Makefile with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = ""
)

// Exit codes.
const (
	exitOK      = 0
	exitGate    = 1
	exitUsage   = 2
	exitAudit   = 3
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// exitError carries the exit code an error ends the process with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usage(err error) error  { return &exitError{code: exitUsage, err: err} }
func failed(err error) error { return &exitError{code: exitAudit, err: err} }

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	ctx, stop := context.WithCancelCause(context.Background())
	defer stop(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		s, ok := <-sigs
		if !ok {
			return
		}
		se := &signalError{s.(syscall.Signal)}
		stop(se)
		// Cancellation reaches every reader between batches, but not one
		// blocked inside a read (a stalled pipe or network mount): after a
		// grace period, leave anyway. Outputs are only ever renamed into
		// place whole, so exiting here cannot leave a partial one.
		time.AfterFunc(signalGrace, func() {
			fmt.Fprintf(os.Stderr, "readiness: interrupted by %s; no output was written\n", se.sig)
			os.Exit(se.code())
		})
	}()

	root := newRoot()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var se *signalError
	if errors.As(context.Cause(ctx), &se) {
		fmt.Fprintf(os.Stderr, "readiness: interrupted by %s; no output was written\n", se.sig)
		return se.code()
	}
	fmt.Fprintf(os.Stderr, "readiness: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// Errors cobra raises itself (unknown command or flag, wrong argument
	// count) are usage errors.
	return exitUsage
}

// signalGrace is how long an interrupted run may take to wind down.
const signalGrace = 2 * time.Second

type signalError struct{ sig syscall.Signal }

func (e *signalError) code() int {
	if e.sig == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

func (e *signalError) Error() string { return "interrupted by " + e.sig.String() }

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "readiness",
		Short:         "Audit machine-learning training data before anyone trains on it",
		Long:          "readiness streams a training dataset once and reports missing values, duplicates, class balance,\nlabel consistency, staleness and representativeness, with a readiness verdict.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usage(fmt.Errorf("%w (see %s --help)", err, c.CommandPath()))
	})
	root.AddCommand(newAuditCmd(), newInitCmd(), newChecksCmd(), newExplainCmd(), newVerifyCmd(), newRenderCmd(), newVersionCmd())
	return root
}

func toolVersion() (string, string) {
	v, c := version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	return v, c
}

func versionString() string {
	v, c := toolVersion()
	if c != "" {
		return v + " (" + c + ")"
	}
	return v
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "readiness", versionString())
			return err
		},
	}
}
