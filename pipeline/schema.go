package pipeline

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// widen returns the type that holds values of both a and b, following the
// rules in the package doc. ok is false when there is none.
func widen(a, b arrow.DataType) (arrow.DataType, bool) {
	a, b = normalType(a), normalType(b)
	if arrow.TypeEqual(a, b) {
		return a, true
	}
	if a.ID() == arrow.NULL {
		return b, true
	}
	if b.ID() == arrow.NULL {
		return a, true
	}
	switch {
	case isInteger(a) && isInteger(b):
		return widerInteger(a, b), true
	case isNumeric(a) && isNumeric(b):
		return arrow.PrimitiveTypes.Float64, true
	case isString(a) && isString(b):
		if a.ID() == arrow.LARGE_STRING || b.ID() == arrow.LARGE_STRING {
			return arrow.BinaryTypes.LargeString, true
		}
		return arrow.BinaryTypes.String, true
	case isBinary(a) && isBinary(b):
		return arrow.BinaryTypes.LargeBinary, true
	case isTemporal(a) && isTemporal(b):
		if a.ID() != arrow.TIMESTAMP && b.ID() != arrow.TIMESTAMP {
			// Two dates stay a date. A zone-less timestamp here would
			// later meet a zoned one as a different zone and become UTC,
			// so the unified type would depend on the order of the files.
			return arrow.FixedWidthTypes.Date64, true
		}
		return widerTimestamp(a, b), true
	}
	return nil, false
}

// normalType reads dictionary-encoded and view types as their plain value
// type: the checks see logical values, not encodings.
func normalType(t arrow.DataType) arrow.DataType {
	switch t := t.(type) {
	case *arrow.DictionaryType:
		if _, nested := t.ValueType.(arrow.NestedType); nested {
			// arrow-go's cast kernels cannot unpack a dictionary of
			// lists or structs; such a column keeps its encoding.
			return t
		}
		return normalType(t.ValueType)
	case *arrow.StringViewType:
		return arrow.BinaryTypes.String
	case *arrow.BinaryViewType:
		return arrow.BinaryTypes.Binary
	}
	return t
}

func isInteger(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

func isNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return true
	}
	return isInteger(t)
}

func isString(t arrow.DataType) bool {
	return t.ID() == arrow.STRING || t.ID() == arrow.LARGE_STRING
}

func isBinary(t arrow.DataType) bool {
	return t.ID() == arrow.BINARY || t.ID() == arrow.LARGE_BINARY
}

func isTemporal(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return true
	}
	return false
}

func intWidth(t arrow.DataType) (bits int, signed bool) {
	switch t.ID() {
	case arrow.INT8:
		return 8, true
	case arrow.INT16:
		return 16, true
	case arrow.INT32:
		return 32, true
	case arrow.INT64:
		return 64, true
	case arrow.UINT8:
		return 8, false
	case arrow.UINT16:
		return 16, false
	case arrow.UINT32:
		return 32, false
	}
	return 64, false
}

func widerInteger(a, b arrow.DataType) arrow.DataType {
	ab, as := intWidth(a)
	bb, bs := intWidth(b)
	if as == bs {
		if ab >= bb {
			return a
		}
		return b
	}
	// Mixed signedness: a signed type wide enough for the unsigned one.
	u, s := ab, bb
	if as {
		u, s = bb, ab
	}
	need := max(s, 2*u)
	switch {
	case need <= 16:
		return arrow.PrimitiveTypes.Int16
	case need <= 32:
		return arrow.PrimitiveTypes.Int32
	case need <= 64:
		return arrow.PrimitiveTypes.Int64
	}
	return arrow.PrimitiveTypes.Float64 // uint64 with a signed type
}

func widerTimestamp(a, b arrow.DataType) arrow.DataType {
	unit := func(t arrow.DataType) (arrow.TimeUnit, string, bool) {
		switch t := t.(type) {
		case *arrow.TimestampType:
			return t.Unit, t.TimeZone, true
		case *arrow.Date64Type:
			return arrow.Millisecond, "", false
		}
		return arrow.Second, "", false
	}
	ua, za, ta := unit(a)
	ub, zb, tb := unit(b)
	u := max(ua, ub)
	zone := za
	switch {
	case ta && tb && za != zb:
		zone = "UTC"
	case !ta:
		zone = zb
	}
	return &arrow.TimestampType{Unit: u, TimeZone: zone}
}

// unifier folds the schemas of the inputs, in order, into one.
type unifier struct {
	fields []arrow.Field
	index  map[string]int
	// from names the input that set each column's current type, and
	// inferred says whether that type was guessed from text.
	from     []string
	inferred []bool
	// nullOnly says whether some text file saw only nulls in the column.
	nullOnly []bool
}

func newUnifier() *unifier { return &unifier{index: map[string]int{}} }

// add folds one input's schema in. Partition columns are passed as string
// fields. The error names both files and the column.
func (u *unifier) add(path string, sc *arrow.Schema, inferred bool) error {
	seen := map[string]bool{}
	for _, f := range sc.Fields() {
		if seen[f.Name] {
			return inputErr(path, fmt.Errorf("column %q appears more than once", f.Name))
		}
		seen[f.Name] = true
		t := normalType(f.Type)
		nullOnly := inferred && f.Metadata.FindKey(nullOnlyKey) >= 0
		if nullOnly {
			// Nothing was seen to infer from: let the other files decide.
			t = arrow.Null
		}
		i, ok := u.index[f.Name]
		if !ok {
			u.index[f.Name] = len(u.fields)
			u.fields = append(u.fields, arrow.Field{Name: f.Name, Type: t, Nullable: true})
			u.from = append(u.from, path)
			u.inferred = append(u.inferred, inferred)
			u.nullOnly = append(u.nullOnly, nullOnly)
			continue
		}
		u.nullOnly[i] = u.nullOnly[i] || nullOnly
		w, ok := widen(u.fields[i].Type, t)
		if !ok {
			if inferred && u.inferred[i] {
				w = arrow.BinaryTypes.String
			} else {
				return fmt.Errorf("incompatible schemas: column %q is %s in %s but %s in %s",
					f.Name, u.fields[i].Type, u.from[i], t, path)
			}
		}
		if !arrow.TypeEqual(w, u.fields[i].Type) {
			u.fields[i].Type = w
			u.from[i] = path
			u.inferred[i] = u.inferred[i] && inferred
		}
	}
	return nil
}

// schema returns the unified schema. A column that only text files saw,
// and only as nulls, is read as string, as each of those files does.
func (u *unifier) schema() *arrow.Schema {
	fields := append([]arrow.Field(nil), u.fields...)
	for i := range fields {
		if u.nullOnly[i] && fields[i].Type.ID() == arrow.NULL {
			fields[i].Type = arrow.BinaryTypes.String
		}
	}
	return arrow.NewSchema(fields, nil)
}

// uniqueNames renames repeated column names with the suffix _2, _3, … in
// order of appearance, skipping names already in use ("a,a,a_2" becomes a,
// a_3, a_2). Every reader names columns this way, so a file with repeated
// names reads the same in every format.
func uniqueNames(in []string) []string {
	names := append([]string(nil), in...)
	taken := make(map[string]bool, len(names))
	for _, v := range names {
		taken[v] = true
	}
	used := make(map[string]bool, len(names))
	for j, v := range names {
		if used[v] {
			for k := 2; ; k++ {
				c := fmt.Sprintf("%s_%d", v, k)
				if !used[c] && !taken[c] {
					v = c
					break
				}
			}
			names[j] = v
		}
		used[v] = true
	}
	return names
}

// uniqueSchema returns sc with repeated top-level names made unique by
// uniqueNames, and whether any name changed.
func uniqueSchema(sc *arrow.Schema) (*arrow.Schema, bool) {
	old := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		old[i] = f.Name
	}
	names := uniqueNames(old)
	changed := false
	fields := sc.Fields()
	for i := range fields {
		if fields[i].Name != names[i] {
			fields[i].Name, changed = names[i], true
		}
	}
	if !changed {
		return sc, false
	}
	md := sc.Metadata()
	return arrow.NewSchema(fields, &md), true
}
