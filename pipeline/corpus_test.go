package pipeline

import (
	"os"
	"path/filepath"
	"testing"
)

// CorpusFile returns the path of rel in ../shared/corpus, the Apache test
// suites beside the repository. Without it the test fails in CI (or with
// READINESS_REQUIRE_CORPUS set) and is skipped elsewhere. Exported for the
// external test package.
func CorpusFile(t testing.TB, rel ...string) string {
	t.Helper()
	path := filepath.Join(append([]string{"..", "..", "shared", "corpus"}, rel...)...)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("READINESS_REQUIRE_CORPUS") != "" {
			t.Fatalf("corpus required in CI: %v", err)
		}
		t.Skipf("no corpus beside the repository: %v", err)
	}
	return path
}
