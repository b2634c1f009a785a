package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/pierrec/lz4/v4"
)

// arrow-go reads Parquet's LZ4_RAW codec but refuses the deprecated LZ4
// codec ("compression for LZ4 unimplemented", parquet/compress/compress.go),
// because writers disagreed on what it means: parquet-mr wrote Hadoop's
// framing (blocks, each after a big-endian 4-byte uncompressed size and
// 4-byte compressed size) while older parquet-cpp wrote one raw LZ4 block.
// Valid files of both kinds exist (parquet-testing's
// hadoop_lz4_compressed*.parquet and non_hadoop_lz4_compressed.parquet), so
// we register a decoder for the codec that does what Arrow C++ does
// (Lz4HadoopCodec): read the Hadoop framing, and when the bytes are not a
// well-formed Hadoop frame sequence that fills the page exactly, decode them
// as one raw block instead. arrow-go's registry is a package-level map
// filled at init, so this registration runs at init too, before any
// reader. Writing is never needed; Encode writes the Hadoop framing, one
// block, for completeness.
func init() {
	compress.RegisterCodec(compress.Codecs.Lz4, lz4Hadoop{})
}

type lz4Hadoop struct{}

func (lz4Hadoop) DecodeWithError(dst, src []byte) ([]byte, error) {
	if out, ok := decodeHadoopFrames(dst, src); ok {
		return out, nil
	}
	n, err := lz4.UncompressBlock(src, dst[:cap(dst)])
	if err != nil {
		return nil, fmt.Errorf("lz4: neither Hadoop-framed nor a raw block: %w", err)
	}
	return dst[:n], nil
}

// decodeHadoopFrames decodes src as Hadoop-framed LZ4 blocks into dst, and
// reports false when src is not exactly such a sequence.
func decodeHadoopFrames(dst, src []byte) ([]byte, bool) {
	out := dst[:cap(dst)]
	n := 0
	for len(src) > 0 {
		if len(src) < 8 {
			return nil, false
		}
		// The lengths are compared before they are ints: on 32-bit
		// platforms one past 2^31 would be negative.
		want32, size32 := binary.BigEndian.Uint32(src), binary.BigEndian.Uint32(src[4:])
		src = src[8:]
		if uint64(size32) > uint64(len(src)) || uint64(want32) > uint64(len(out)-n) {
			return nil, false
		}
		want, size := int(want32), int(size32)
		got, err := lz4.UncompressBlock(src[:size], out[n:n+want])
		if err != nil || got != want {
			return nil, false
		}
		n += got
		src = src[size:]
	}
	return out[:n], true
}

func (c lz4Hadoop) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err)
	}
	return out
}

func (c lz4Hadoop) Encode(dst, src []byte) []byte {
	bound := int(c.CompressBound(int64(len(src))))
	if cap(dst) < bound {
		dst = make([]byte, bound)
	}
	dst = dst[:cap(dst)]
	var z lz4.Compressor
	n, err := z.CompressBlock(src, dst[8:])
	if err != nil {
		panic(err)
	}
	if n == 0 && len(src) > 0 {
		panic(errors.New("lz4: incompressible block"))
	}
	binary.BigEndian.PutUint32(dst, uint32(len(src)))
	binary.BigEndian.PutUint32(dst[4:], uint32(n))
	return dst[:8+n]
}

func (c lz4Hadoop) EncodeLevel(dst, src []byte, _ int) []byte { return c.Encode(dst, src) }

func (lz4Hadoop) CompressBound(n int64) int64 { return 8 + int64(lz4.CompressBlockBound(int(n))) }
