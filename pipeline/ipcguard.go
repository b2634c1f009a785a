package pipeline

// arrow-go decodes an IPC schema by sizing slices from the vector lengths
// the file declares (Schema.fields, Field.children, custom_metadata) without
// checking them against the bytes present, and recurses into children
// without a depth bound. A few corrupt bytes can then ask for terabytes, or
// overflow the stack: both end the process in a way no recover catches. So
// before arrow-go sees a schema, checkIPCSchema walks the same flatbuffer
// and refuses vector lengths that cannot fit in the message, and nesting
// deeper than maxIPCDepth. The runtime's own reads panic (recoverably) on
// offsets outside the buffer; the callers recover those.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	flatbuffers "github.com/google/flatbuffers/go"
)

const maxIPCDepth = 64

var errIPCSchema = errors.New("corrupt Arrow IPC schema")

// vtable slots (byte offsets into the vtable) of the fields used below, from
// the Arrow format's Message.fbs, Schema.fbs and File.fbs.
const (
	slotMessageHeaderType = 6
	slotMessageHeader     = 8
	slotSchemaFields      = 6
	slotSchemaMetadata    = 8
	slotFieldChildren     = 14
	slotFieldMetadata     = 16
	slotFooterSchema      = 6
	messageHeaderSchema   = 1
)

// checkIPCStreamSchema checks the schema message at the start of an IPC
// stream read from r (which is left wherever reading stopped).
func checkIPCStreamSchema(r io.ReaderAt, size int64) (err error) {
	defer recoverSchemaCheck(&err)
	var head [8]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil // too short: let the reader say so
	}
	n, off, _ := ipcPrefix(head[:])
	if n < 0 || n > size-off {
		return fmt.Errorf("%w: schema message of %d bytes in a %d-byte file", errIPCSchema, n, size)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, off); err != nil {
		return nil
	}
	if len(buf) < 4 {
		return nil
	}
	msg := rootTable(buf)
	if t := msg.Offset(slotMessageHeaderType); t == 0 || msg.GetByte(msg.Pos+flatbuffers.UOffsetT(t)) != messageHeaderSchema {
		return nil // not a schema message: the reader reports that
	}
	o := msg.Offset(slotMessageHeader)
	if o == 0 {
		return nil
	}
	var schema flatbuffers.Table
	msg.Union(&schema, flatbuffers.UOffsetT(o))
	return checkSchemaTable(&schema)
}

// checkIPCFileSchema checks the schema in an IPC file's footer.
func checkIPCFileSchema(r io.ReaderAt, size int64) (err error) {
	defer recoverSchemaCheck(&err)
	buf := ipcFooter(r, size)
	if buf == nil {
		return nil
	}
	footer := rootTable(buf)
	o := footer.Offset(slotFooterSchema)
	if o == 0 {
		return nil
	}
	schema := flatbuffers.Table{Bytes: buf, Pos: footer.Indirect(footer.Pos + flatbuffers.UOffsetT(o))}
	return checkSchemaTable(&schema)
}

// ipcFooter reads an IPC file's footer flatbuffer, or returns nil when
// the file does not end as the format says (a footer, its length, ARROW1).
func ipcFooter(r io.ReaderAt, size int64) []byte {
	if size < 10 {
		return nil
	}
	var tail [10]byte
	if _, err := r.ReadAt(tail[:], size-10); err != nil || string(tail[4:]) != "ARROW1" {
		return nil
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n < 4 || n > size-10 {
		return nil
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-10-n); err != nil {
		return nil
	}
	return buf
}

// ipcPrefix reads the prefix of an encapsulated IPC message at the start
// of head: a continuation marker and the length of the message's
// metadata, or (before Arrow 0.15) the length alone. It returns that
// length and the prefix's size; ok is false when head is too short.
func ipcPrefix(head []byte) (length, size int64, ok bool) {
	if len(head) < 4 {
		return 0, 0, false
	}
	if v := binary.LittleEndian.Uint32(head); v != 0xFFFFFFFF {
		return int64(int32(v)), 4, true
	}
	if len(head) < 8 {
		return 0, 0, false
	}
	return int64(int32(binary.LittleEndian.Uint32(head[4:]))), 8, true
}

func rootTable(buf []byte) *flatbuffers.Table {
	return &flatbuffers.Table{Bytes: buf, Pos: flatbuffers.GetUOffsetT(buf)}
}

func recoverSchemaCheck(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v", errIPCSchema, r)
	}
}

func checkSchemaTable(t *flatbuffers.Table) error {
	if err := checkVector(t, slotSchemaMetadata); err != nil {
		return err
	}
	return checkFields(t, slotSchemaFields, 0)
}

// checkVector refuses a vector of offsets whose declared length cannot fit
// in the rest of the buffer.
func checkVector(t *flatbuffers.Table, slot flatbuffers.VOffsetT) error {
	o := t.Offset(slot)
	if o == 0 {
		return nil
	}
	start, n := t.Vector(flatbuffers.UOffsetT(o)), t.VectorLen(flatbuffers.UOffsetT(o))
	if n < 0 || int64(start)+4*int64(n) > int64(len(t.Bytes)) {
		return fmt.Errorf("%w: a vector declares %d entries in a %d-byte message", errIPCSchema, n, len(t.Bytes))
	}
	return nil
}

func checkFields(t *flatbuffers.Table, slot flatbuffers.VOffsetT, depth int) error {
	if depth > maxIPCDepth {
		return fmt.Errorf("%w: fields nested more than %d deep", errIPCSchema, maxIPCDepth)
	}
	if err := checkVector(t, slot); err != nil {
		return err
	}
	o := t.Offset(slot)
	if o == 0 {
		return nil
	}
	start, n := t.Vector(flatbuffers.UOffsetT(o)), t.VectorLen(flatbuffers.UOffsetT(o))
	for i := range n {
		elem := start + flatbuffers.UOffsetT(4*i)
		field := flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(elem)}
		if err := checkVector(&field, slotFieldMetadata); err != nil {
			return err
		}
		if err := checkFields(&field, slotFieldChildren, depth+1); err != nil {
			return err
		}
	}
	return nil
}
