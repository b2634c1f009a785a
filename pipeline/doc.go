// Package pipeline turns the paths a user names into one stream of Arrow
// record batches per worker, and runs the checks over them.
//
// The flow is the one DESIGN.md draws:
//
//	Discover  paths, folders, globs → sorted []*Input, with Hive-style
//	          key=value folders as partition columns and a format each
//	Plan      open every input once for its schema (footer for Parquet and
//	          IPC, a sample of rows for CSV and NDJSON) and its independently
//	          readable units (Parquet row groups, runs of the record
//	          batches of an IPC file or large local stream, stretches of a
//	          large CSV or NDJSON file: ipcunits.go, textsplit.go); unify
//	          the schemas
//	Run       N workers pull units from one queue (a compressed or remote
//	          text file's units found as the feed reads it: textstream.go),
//	          read them in bounded batches of only the projected columns,
//	          conform each batch to the unified schema, and fold it into
//	          their own check states; the states are merged at the end
//
// Memory per worker is one batch plus the readers' buffers; nothing grows
// with input size except what a check's state must keep, and the per-row
// tables among that (distinct rows, feature vectors, ids) are bounded by
// RunOptions.Memory, shared by every worker and check: past it they spill
// to disk (checks/fptable). A batch holds at most maxBatchCells cells, so
// its size does not grow with a table's width either; a Parquet reader's
// buffers do (a page of every column read), so Run reads row groups at
// once only while their uncompressed sizes fit in the same budget
// (unitGate).
//
// Schemas are unified by widening: integers to the wider integer or to
// float64 when mixed with floats, any string flavour (string, large string,
// string view, dictionary of strings) to string, two kinds of date to
// date64, a date and a timestamp, or two timestamps, to a timestamp of the
// finest unit (zones that differ become UTC), the null type to anything. A column absent from a file is read as nulls there. When two
// files disagree beyond that, the run stops with an error naming both files
// and the column — except when both types were inferred from text (CSV,
// NDJSON), where the column is read as string in both, since an inference
// from a sample is a guess, not a declaration. A column a text file saw only
// as nulls takes the type the other files give it.
//
// Partition columns come from every key=value folder in a file's path, as
// in DuckDB's hive_partitioning, so a file gets the same columns whether it
// was named, globbed or walked; they are strings, %XX-unescaped as Hive
// writes them, and null for Hive's __HIVE_DEFAULT_PARTITION__. A file column of
// the same name takes precedence over the folder's value.
//
// A file that repeats a column name (a CSV header "a,a", an Arrow or
// Parquet schema with two fields "x") keeps every column: the second is
// read as x_2, the third x_3, skipping names already present, in every
// format alike. Dictionaries of strings and numbers are read as their
// values; dictionaries of lists or structs keep their encoding, since
// arrow-go's cast kernels cannot unpack them.
//
// A path may also be an s3://, gs://, az:// or http(s):// URL: Discover
// lists the objects it names (one object, a prefix or a glob, with the
// same rules as local folders and globs; Input.Path is the URL without
// query string, Input.Version the ETag or generation), and the readers
// open them through package remote, whose files read exact byte ranges,
// so a Parquet audit fetches the footer and the projected column chunks
// only. A 403 or 404 is an *InputError naming the URL.
//
// Errors about an input are [*InputError] values: they name the file and,
// where known, the row group, line or column. A panic raised by a
// dependency while decoding a file is recovered into such an error. When
// an input has several faults, in units read at once by different
// workers, the run reports the first in reading order (the inputs in
// order, each input's rows in order), on every run: the units before a
// failed one are read to their end in case they fail too, the ones after
// it are cancelled (firsterr.go).
//
// Where arrow-go falls short (measured on the Apache test corpus): it
// refuses Parquet's deprecated LZ4 codec, which we decode ourselves
// (lz4hadoop.go); and it lacks Arrow C++'s compatibility path for data page
// V2 written by parquet-cpp before 2.0 (ARROW-17100: pages compressed but
// marked is_compressed = false), which we route around by patching that one
// byte of each such page header in what arrow-go reads (pagefix.go). Its
// compute kernels take a buffer's slice capacity for room to write into,
// which the readers' pool (pool.go) gives past the length: the
// conformer's casts run with Go's allocator instead (conform.go); a panic
// there came from a goroutine of arrow-go's, which no recover of ours
// reaches. And its Parquet record reader costs more than reading a flat
// column's pages straight into Arrow buffers, which is how flat columns
// are read here, PLAIN or dictionary-encoded (parquetstrings.go,
// parquetfixed.go, parquetdict.go).
package pipeline
