package main

import (
	"fmt"
	"strings"

	"github.com/readiness/readiness/checks/registry"
	"github.com/spf13/cobra"
)

func newChecksCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "checks",
		Short: "List the checks with a one-line description each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			for _, c := range registry.All {
				if _, err := fmt.Fprintf(w, "%-20s %s\n", c.Name, c.Summary); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func newExplainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain CODE|CHECK",
		Short: "Print the documentation of a finding code or a check",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if c, ok := registry.Lookup(strings.ToLower(args[0])); ok {
				_, err := fmt.Fprintf(w, "%s: %s\n\n%s\n", c.Name, c.Summary, c.Doc)
				return err
			}
			c, code, ok := registry.Explain(args[0])
			if !ok {
				return usage(fmt.Errorf("unknown code or check %q (see readiness checks)", args[0]))
			}
			_, err := fmt.Fprintf(w, "%s (%s, check %s): %s\n\n%s\n", code.Code, code.Severity, c.Name, code.Title, code.Doc)
			return err
		},
	}
}
