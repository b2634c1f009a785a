package pipeline

// An Arrow IPC file is read in units of consecutive record batches, so
// that every worker reads one, as with a Parquet file's row groups. Each
// unit's first row number must be known before any is read, and the
// footer gives each batch's offset and sizes but not its row count. That
// is in the batch's message header (RecordBatch.length in Message.fbs),
// which arrow-go's FileReader reads only together with the body and
// exposes nowhere. So ipcFileBatches reads just the headers, a few hundred
// bytes each, with the same flatbuffer accessors as ipcguard.go, and
// takes the row counts from them: the field arrow-go sizes the batch's
// arrays from. Anything it cannot make sense of leaves the file one unit,
// read front to back, and arrow-go reports the damage as before.
//
// A stream has no footer: ipcStreamMessages reads its message headers one
// after the other, skipping the bodies, when it is opened (a local stream
// of at least twice ipcUnitBytes only). A unit of a stream is read as a
// stream of its own (ipcSource.streamUnit): the schema message, every
// dictionary batch before the unit in order, so that replacements and
// deltas apply as they did, and the unit's own messages.

import (
	"encoding/binary"
	"io"
	"slices"
	"sync"

	flatbuffers "github.com/google/flatbuffers/go"
)

// vtable slots of the fields read below (File.fbs, Message.fbs).
const (
	slotFooterDictionaries       = 8
	slotFooterRecordBatches      = 10
	slotRecordBatchLength        = 4
	slotMessageBodyLength        = 10
	messageHeaderDictionaryBatch = 2
	messageHeaderRecordBatch     = 3
	// ipcBlockSize is the size of File.fbs's Block struct: offset (long),
	// metaDataLength (int, padded to 8), bodyLength (long).
	ipcBlockSize = 24
	// ipcMaxMeta bounds a header read; arrow-go's default metadata limit.
	ipcMaxMeta = 64 << 20
)

// ipcUnitBytes is the least body bytes of a unit of an IPC file: a unit
// ends at the first batch that takes it past this. Each unit opens its own
// file reader, which reads the footer and every dictionary batch again, so
// a unit holds at least four times the dictionaries' bytes too. A variable
// so that tests can make a unit of every batch.
var ipcUnitBytes int64 = 16 << 20

// ipcBatch is one record batch of an IPC file as its footer and message
// header give it.
type ipcBatch struct {
	rows, body int64
}

// ipcFileBatches returns the row count and body size of every record
// batch of the IPC file r of size bytes, and the bytes of its dictionary
// batches, or ok false when the footer or a header cannot be read as the
// format says.
func ipcFileBatches(r io.ReaderAt, size int64) (batches []ipcBatch, dictBytes int64, ok bool) {
	defer func() {
		// flatbuffers' accessors index the buffer unchecked: a damaged
		// footer or header panics (recoverably) rather than misleads.
		// (ipcBatchRows recovers its own, on its own goroutine.)
		if recover() != nil {
			batches, dictBytes, ok = nil, 0, false
		}
	}()
	buf := ipcFooter(r, size)
	if buf == nil {
		return nil, 0, false
	}
	footer := rootTable(buf)
	blocks := func(slot flatbuffers.VOffsetT) (start flatbuffers.UOffsetT, count int, ok bool) {
		o := footer.Offset(slot)
		if o == 0 {
			return 0, 0, true
		}
		start, count = footer.Vector(flatbuffers.UOffsetT(o)), footer.VectorLen(flatbuffers.UOffsetT(o))
		return start, count, count >= 0 && int64(start)+ipcBlockSize*int64(count) <= int64(len(buf))
	}
	dstart, dn, ok := blocks(slotFooterDictionaries)
	if !ok {
		return nil, 0, false
	}
	for i := range dn {
		body := int64(binary.LittleEndian.Uint64(buf[int(dstart)+i*ipcBlockSize+16:]))
		if dictBytes += body; body < 0 || dictBytes > size {
			return nil, 0, false
		}
	}
	rstart, rn, ok := blocks(slotFooterRecordBatches)
	if !ok {
		return nil, 0, false
	}
	batches = make([]ipcBatch, rn)
	where := make([][2]int64, rn) // each header's offset and length
	for i := range batches {
		b := buf[int(rstart)+i*ipcBlockSize:]
		off := int64(binary.LittleEndian.Uint64(b))
		meta := int64(int32(binary.LittleEndian.Uint32(b[8:])))
		body := int64(binary.LittleEndian.Uint64(b[16:]))
		if off < 0 || meta < 8 || meta > ipcMaxMeta || body < 0 || off > size || meta+body > size-off {
			return nil, 0, false
		}
		batches[i].body, where[i] = body, [2]int64{off, meta}
	}
	// The headers are read ipcHeaderReads at a time: one request each
	// for an object in a store, where each waits a round trip.
	bad := make([]bool, rn)
	var wg sync.WaitGroup
	sem := make(chan struct{}, ipcHeaderReads)
	for i := range batches {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rows, ok := ipcBatchRows(r, where[i][0], where[i][1])
			batches[i].rows, bad[i] = rows, !ok
		}()
	}
	wg.Wait()
	if slices.Contains(bad, true) {
		return nil, 0, false
	}
	return batches, dictBytes, true
}

// ipcHeaderReads is how many record batch headers are read at once (a
// remote store's own bound, --max-requests, applies as well).
const ipcHeaderReads = 16

// ipcBatchRows reads the message header of meta bytes at off and returns
// its RecordBatch's length.
func ipcBatchRows(r io.ReaderAt, off, meta int64) (rows int64, ok bool) {
	buf := make([]byte, meta)
	if _, err := r.ReadAt(buf, off); err != nil {
		return 0, false
	}
	n, p, ok := ipcPrefix(buf)
	if !ok || n < 4 || n > meta-p {
		return 0, false
	}
	kind, _, rows, ok := ipcMessage(buf[p : p+n])
	return rows, ok && kind == messageHeaderRecordBatch
}

// ipcMessage reads a message's flatbuffer (Message.fbs): what its header
// is, its body's length and, for a record batch, its row count.
func ipcMessage(buf []byte) (kind byte, body, rows int64, ok bool) {
	defer func() {
		// flatbuffers' accessors index the buffer unchecked.
		if recover() != nil {
			kind, body, rows, ok = 0, 0, 0, false
		}
	}()
	msg := rootTable(buf)
	t := msg.Offset(slotMessageHeaderType)
	if t == 0 {
		return 0, 0, 0, false
	}
	kind = msg.GetByte(msg.Pos + flatbuffers.UOffsetT(t))
	body = msg.GetInt64Slot(slotMessageBodyLength, 0)
	if kind == messageHeaderRecordBatch {
		o := msg.Offset(slotMessageHeader)
		if o == 0 {
			return 0, 0, 0, false
		}
		var rb flatbuffers.Table
		msg.Union(&rb, flatbuffers.UOffsetT(o))
		rows = rb.GetInt64Slot(slotRecordBatchLength, 0)
	}
	return kind, body, rows, body >= 0 && rows >= 0
}

// maxIPCRows bounds the rows an IPC input's headers may add up to before
// they are no longer believed (the pipeline refuses more rows than
// checks.MaxInputRows when it reads them).
const maxIPCRows = 1 << 48

// ipcStreamMsg is one message of an IPC stream: its bytes, header and
// row count.
type ipcStreamMsg struct {
	off, end int64
	kind     byte
	rows     int64
}

// ipcStreamMessages reads an IPC stream's message headers, skipping their
// bodies, up to its end-of-stream marker or its last byte: a schema, then
// dictionary batches and record batches. ok is false for anything else
// (a read error, a message past the end, another kind of message).
func ipcStreamMessages(r io.ReaderAt, size int64) (msgs []ipcStreamMsg, ok bool) {
	var pos int64
	for pos < size {
		var head [8]byte
		n, _ := r.ReadAt(head[:], pos)
		length, hdr, ok := ipcPrefix(head[:n])
		if !ok {
			return nil, false
		}
		if length == 0 {
			break // the end-of-stream marker
		}
		if length < 4 || length > ipcMaxMeta || length > size-pos-hdr {
			return nil, false
		}
		buf := make([]byte, length)
		if _, err := r.ReadAt(buf, pos+hdr); err != nil {
			return nil, false
		}
		kind, body, rows, ok := ipcMessage(buf)
		want := byte(messageHeaderSchema)
		if len(msgs) > 0 {
			want = messageHeaderRecordBatch
			if kind == messageHeaderDictionaryBatch {
				want = kind
			}
		}
		if !ok || kind != want || body > size-pos-hdr-length {
			return nil, false
		}
		end := pos + hdr + length + body
		msgs = append(msgs, ipcStreamMsg{off: pos, end: end, kind: kind, rows: rows})
		pos = end
	}
	return msgs, len(msgs) > 0
}

// ipcUnits groups batches into units of consecutive batches of at least
// max(ipcUnitBytes, 4×dictBytes) body bytes (the last may hold fewer),
// and returns them with the index of each unit's first batch (and, last,
// the number of batches); no batches make one unit of no rows. A unit's
// Bytes is its largest body and the dictionaries: what reading it holds
// at once. Row counts that add up past maxIPCRows are not believed: no
// units, and the input is read front to back.
func ipcUnits(batches []ipcBatch, dictBytes int64) (units []Unit, first []int) {
	if len(batches) == 0 {
		return []Unit{{Index: 0, Rows: 0, Offset: 0}}, []int{0, 0}
	}
	least := max(ipcUnitBytes, 4*dictBytes)
	var rows, body, largest, offset int64
	start := 0
	for i, b := range batches {
		if b.rows > maxIPCRows-offset-rows {
			return nil, nil
		}
		rows += b.rows
		body += b.body
		largest = max(largest, b.body)
		if body >= least || i == len(batches)-1 {
			// Where stays empty: the reader names the record batch.
			units = append(units, Unit{Index: len(units), Rows: rows, Offset: offset, Bytes: largest + dictBytes})
			first = append(first, start)
			offset += rows
			rows, body, largest, start = 0, 0, 0, i+1
		}
	}
	return units, append(first, len(batches))
}
