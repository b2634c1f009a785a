package missing_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/readiness/readiness/checks/checktest"
	"github.com/readiness/readiness/checks/missing"
)

// TestStringCacheAgainstOracle stresses the per-batch string cache and
// the string codes (checks.Memo.StrCodes): a stretch of values that never
// repeat (so a batch holding much of it has too many distinct values for
// codes, and the cache is given up for the rest of the batch) before and
// after stretches that repeat a few values,
// spellings that differ only in case, padding or one inner byte (ann01,
// ann11, " NA", "NA "), placeholders and tokens among them, in every
// string type, cut into batches and pieces at random.
func TestStringCacheAgainstOracle(t *testing.T) {
	repeated := []string{"ann01", "ann11", "ann10", "NA", " NA", "NA ", "na", "Unknown", " UNKNOWN ", "unknown",
		"", "  ", "\t", "north", "south", "-", "--", "x", "X", "N/A", "n/a", "999", "-999", "0",
		"not applicable", "Not Applicable", "not applicable ", "abcdefghijklmn", "#N/A N/A", "-1.#QNAN", "pad after ",
		"    not applicable", "not applicable    ", "       #N/A N/A", "#N/A N/A       "}
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			mem := checktest.Allocator(t)
			rng := rand.New(rand.NewPCG(seed, 8))
			// The last seeds' columns hold more distinct values than the
			// disguised-missing tracker keeps (10,000), in each of the
			// merged states too: past that the rows of a batch that misses
			// the cache take observeStrings' last loop, which reads only
			// values that may be missing (padded tokens and placeholders
			// longer than any unpadded one among them).
			rows, textTo := 4000, 2800
			if seed >= 5 {
				rows, textTo = 30000, 28800
			}
			var cols []col
			for _, k := range []kind{kString, kLargeString, kStringView, kDict} {
				c := col{name: fmt.Sprint("s", k), kind: k}
				for i := range rows {
					switch {
					case rng.IntN(40) == 0:
						c.vals = append(c.vals, nil)
					case i >= 800 && i < textTo && rng.IntN(10) > 0:
						// free text: every value new, some short (a
						// number, which may be a placeholder) or padded
						switch rng.IntN(20) {
						case 0:
							c.vals = append(c.vals, fmt.Sprint(rng.IntN(1000)-10))
						case 1:
							c.vals = append(c.vals, fmt.Sprintf(" value %d of %d", rng.IntN(1<<30), i))
						case 2:
							c.vals = append(c.vals, fmt.Sprintf("value %d of %d\t", rng.IntN(1<<30), i))
						default:
							c.vals = append(c.vals, fmt.Sprintf("value %d of %d", rng.IntN(1<<30), i))
						}
					default:
						c.vals = append(c.vals, repeated[rng.IntN(len(repeated))])
					}
				}
				cols = append(cols, c)
			}
			label := col{name: "label", kind: kString}
			for range rows {
				label.vals = append(label.vals, []any{"a", "b", "c", nil}[rng.IntN(4)])
			}
			cols = append(cols, label)
			cfg := defaults()
			cfg.CandidateFactor = 2
			bs := batches(t, mem, cols, checktest.RandomBounds(rng, rows, 0, 2000)...)
			defer checktest.Release(bs)
			r := checktest.SplitMerge(t, &missing.Check, cfg, labelEnv(cols, "label"), bs, checktest.Options{Seed: seed, Trials: 6})
			compareBase(t, cols, cfg, r)
			compareExtra(t, cols, "label", cfg, r)
		})
	}
}
