package checks

// A row's position — its input and its row number within the input —
// packs into 62 bits ([Pos]): the pipeline stops with an error before an
// audit has more than MaxInputs inputs or an input more than MaxInputRows
// rows. The per-row tables of the checks keep a position for every
// distinct row or id (the shared row table's first copies, duplicates'
// ids); in 8 bytes rather than an int32 and an int64 (16 with padding),
// with room for two flags, such a table's slots are 8 bytes smaller, which
// at 10M rows is 80 MB less to hold, or to spill and read back, per table.
const (
	// RowBits is the width of a row number in a [Pos].
	RowBits = 40
	// InputBits is the width of an input index in a [Pos].
	InputBits = 22
	// MaxInputRows is one more than the largest row number of an input
	// (about 1.1 trillion rows).
	MaxInputRows = 1 << RowBits
	// MaxInputs is how many inputs an audit may have (about 4.2 million).
	MaxInputs = 1 << InputBits
	// PosFlags are the bits of a uint64 above a [Pos], free for flags.
	PosFlags = uint64(1<<64 - 1<<(RowBits+InputBits))
)

// Pos is a row's position packed as input<<RowBits | row: positions
// compare as (input, row) pairs. The zero Pos is row 0 of input 0.
type Pos uint64

// PosOf packs input and row, which the pipeline keeps below [MaxInputs]
// and [MaxInputRows].
func PosOf(input int, row int64) Pos { return Pos(uint64(input)<<RowBits | uint64(row)) }

// Input is p's input index.
func (p Pos) Input() int { return int(p >> RowBits) }

// Row is p's row number within its input.
func (p Pos) Row() int64 { return int64(p & (MaxInputRows - 1)) }
