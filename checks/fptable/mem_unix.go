//go:build unix

package fptable

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"unsafe"
)

// mmapMin is the size from which slot arrays are mapped outside the Go
// heap: 16 pages. The partitions of a [Parts] table are small (a 512 MiB
// budget over a dozen tables of 64 partitions gives each well under 1 MiB),
// and on the Go heap they counted twice towards peak memory (the collector
// lets the heap grow to twice its live size): at 10M rows under a 512 MiB
// budget the process peaked at 2.0 GB with 1 MiB here.
const mmapMin = 64 << 10

// region is a slot array's memory outside the Go heap, mem, and where it
// goes back to: put, the map pool's or the chunk blocks'. It goes back by
// free, or by a cleanup when the table holding it is garbage.
type region struct {
	cleanup runtime.Cleanup
	mem     []byte
	put     func([]byte)
}

// slotsIn returns size slots over mem, with their region.
func slotsIn[V any](mem []byte, size int, put func([]byte)) ([]slot[V], *region) {
	r := &region{mem: mem, put: put}
	r.cleanup = runtime.AddCleanup(r, put, mem)
	return unsafe.Slice((*slot[V])(unsafe.Pointer(unsafe.SliceData(mem))), size), r
}

// allocSlots returns size zeroed slots. Large arrays are anonymous memory
// maps (or maps freed earlier and kept, see [pool]): the garbage collector
// neither scans nor counts them (slots hold no Go pointers, see [New]), so
// they do not raise the heap goal, and resize gives the old array back at
// once instead of leaving it as garbage until the next collection.
func allocSlots[V any](size int) ([]slot[V], *region) { return alloc[V](size, true) }

// allocChunk is allocSlots for a pending chunk, written before it is read,
// so not zeroed: a chunk of mapped size is a block of [chunkBlocks], kept
// for the next chunk when freed.
func allocChunk[V any](size int) ([]slot[V], *region) {
	bytes := size * int(unsafe.Sizeof(slot[V]{}))
	if bytes < mmapMin || bytes > chunkBlock {
		return alloc[V](size, false)
	}
	return slotsIn[V](chunkBlocks.get(), size, chunkBlocks.put)
}

func alloc[V any](size int, zero bool) ([]slot[V], *region) {
	bytes := size * int(unsafe.Sizeof(slot[V]{}))
	if bytes < mmapMin {
		return make([]slot[V], size), nil
	}
	mem := pool.get(bytes, zero)
	if mem == nil {
		var err error
		mem, err = syscall.Mmap(-1, 0, bytes, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return make([]slot[V], size), nil
		}
		if bytes >= hugeMin {
			adviseHuge(mem)
		}
		touch(mem)
	}
	return slotsIn[V](mem, size, pool.put)
}

// free gives the memory back now, if it is outside the Go heap (r not
// nil). The slots over it must not be used afterwards.
func (r *region) free() {
	if r == nil {
		return
	}
	r.cleanup.Stop()
	r.put(r.mem)
}

// touch writes a zero into every page of a new map, so that the kernel
// gives each its own page at once. A table reads a slot before it writes
// it; a page first read is mapped to the kernel's shared zero page, and the
// first write then replaces that mapping, which makes the kernel flush the
// old translation on every CPU running the process — an inter-processor
// interrupt per page, costly on a virtual machine. perf showed a 1M-row
// audit spending twice its user time in the kernel, half of it in
// smp_call_function_many_cond and native_write_msr under do_wp_page.
func touch(mem []byte) {
	for i := 0; i < len(mem); i += 4096 {
		mem[i] = 0
	}
}

// hugeMin is the size from which a mapped array asks for transparent huge
// pages: a smaller one cannot hold a 2 MiB page.
const hugeMin = 4 << 20

// poolMax bounds the bytes of freed maps kept for reuse.
const poolMax = 64 << 20

// pool keeps freed maps for reuse rather than unmapping them. Unmapping
// memory of a process with several threads makes the kernel flush the
// other CPUs' address translations (an inter-processor interrupt each, a
// costly exit on a virtual machine), and a new map faults its pages in
// again: with the partitioned tables growing and spilling, a 1M-row audit
// spent 10.5 s in the kernel against 5.4 s in the program, perf putting
// half of it in smp_call_function_many_cond and native_write_msr. Tables
// grow in step (every partition doubles at about the same time), so a map
// freed by one partition's resize is the size the next partition needs;
// and a table read back from disk is freed when the next partition of the
// same table is read into a map of the same size.
//
// When full, the pool lets the maps freed longest ago go first: a pool
// that kept its oldest maps filled up with the sizes of a table read
// earlier, and every later table was mapped and faulted in afresh (at 10M
// rows, 2.6 s in touch and 0.75 s in munmap).
var pool mapPool

type mapPool struct {
	mu    sync.Mutex
	free  [][]byte // oldest first
	bytes int
}

// get returns the most recently kept map of exactly n bytes, zeroed if
// zero, or nil.
func (p *mapPool) get(n int, zero bool) []byte {
	p.mu.Lock()
	var m []byte
	for i := len(p.free) - 1; i >= 0; i-- {
		if len(p.free[i]) == n {
			m = p.free[i]
			p.free = append(p.free[:i], p.free[i+1:]...)
			p.bytes -= n
			break
		}
	}
	p.mu.Unlock()
	if m != nil && zero {
		clear(m)
	}
	return m
}

// put keeps m for reuse, unmapping the maps kept longest if the pool would
// hold more than poolMax bytes (m itself if it is larger).
func (p *mapPool) put(m []byte) {
	if len(m) > poolMax {
		_ = syscall.Munmap(m)
		return
	}
	p.mu.Lock()
	p.free = append(p.free, m)
	p.bytes += len(m)
	var drop [][]byte
	for p.bytes > poolMax {
		old := p.free[0]
		p.free = p.free[1:]
		p.bytes -= len(old)
		drop = append(drop, old)
	}
	p.mu.Unlock()
	for _, old := range drop {
		_ = syscall.Munmap(old)
	}
}

// chunkBlocks holds the memory of the pending chunks of every [Parts]
// table, in blocks of chunkBlock bytes (the largest chunk) carved from
// arenas of arenaBytes that ask for transparent huge pages. A freed block
// is kept for the next chunk, its pages too until a table is freed
// ([Parts.Free]) or the audit ends ([Trim]): the blocks in use are bounded
// by the memory budget, so what is kept is no more than the chunks held
// at their peak.
//
// Why: on the virtual machines this was measured on, the first write to a
// page of new memory costs about 12 µs (the host backs guest memory
// lazily, and takes back what the guest frees), 3 ms per MiB — a 64 MiB map
// took 195 ms to fill and 0.5 ms to fill again. Chunks were maps of their
// own, 4,600 of them at 10M rows, each faulted in page by page, and those
// freed past [pool]'s bound unmapped (each unmap an inter-processor
// interrupt): 1.95 s of CPU in [touch] and 0.64 s in munmap out of 14.7 s,
// 150,000 of the audit's 235,000–267,000 page faults. Carved from kept
// arenas of huge pages, the audit faulted 99,000–117,000 times, used 1.2 s
// less user and 0.9 s less system CPU, and took 6.56–6.88 s instead of
// 7.60–8.14 s (four alternating pairs); its peak RSS rose from 843–859 MiB
// to 864–889 MiB (docs/performance.md, 2026-11-27 l).
var chunkBlocks blockPool

const (
	chunkBlock = maxChunkBytes
	arenaBytes = 64 << 20
	hugeBytes  = 2 << 20 // the x86-64 huge page: arenas are aligned to it
)

// A block never straddles two huge pages: arenas start on a huge page
// boundary and are carved in blocks that divide it.
var _ = [1]struct{}{}[hugeBytes%chunkBlock+arenaBytes%hugeBytes]

type blockPool struct {
	mu sync.Mutex
	// dirty are freed blocks whose pages are still the process's, clean
	// those whose pages were given back (trim); most recently freed last,
	// handed out first, dirty before clean.
	dirty, clean [][]byte
	next         []byte // the current arena's blocks not yet handed out
	// arenas are where the arenas start; held counts the blocks of each
	// huge page of them handed out and not yet put back (see trim).
	arenas []uintptr
	held   map[uintptr]int
	// release gives pages back (releasePages; a test records the calls).
	release func([]byte)
}

// blockAddr is where block b starts.
func blockAddr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// hugePage returns the huge page block b lies in, if b was carved from an
// arena (a block made on the Go heap when mapping failed was not).
func (p *blockPool) hugePage(b []byte) (uintptr, bool) {
	a := blockAddr(b)
	for _, s := range p.arenas {
		if a >= s && a < s+arenaBytes {
			return a &^ (hugeBytes - 1), true
		}
	}
	return 0, false
}

// take counts b, about to be handed out, as held; the caller holds mu.
func (p *blockPool) take(b []byte) []byte {
	if pg, ok := p.hugePage(b); ok {
		if p.held == nil {
			p.held = map[uintptr]int{}
		}
		p.held[pg]++
	}
	return b
}

// get returns a block of chunkBlock bytes, not zeroed.
func (p *blockPool) get() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, free := range []*[][]byte{&p.dirty, &p.clean} {
		if n := len(*free); n > 0 {
			b := (*free)[n-1]
			*free = (*free)[:n-1]
			return p.take(b)
		}
	}
	if len(p.next) < chunkBlock {
		// The map is one huge page longer than the arena, which starts
		// at the first huge page boundary in it: the rest is never
		// touched, so never backed.
		mem, err := syscall.Mmap(-1, 0, arenaBytes+hugeBytes, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return make([]byte, chunkBlock)
		}
		off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(mem))) & (hugeBytes - 1))
		mem = mem[off : off+arenaBytes : off+arenaBytes]
		adviseHuge(mem)
		p.next = mem
		p.arenas = append(p.arenas, blockAddr(mem))
	}
	b := p.next[:chunkBlock:chunkBlock]
	p.next = p.next[chunkBlock:]
	return p.take(b)
}

// put keeps b, a block get returned, for the next get.
func (p *blockPool) put(b []byte) {
	p.mu.Lock()
	if pg, ok := p.hugePage(b); ok {
		if p.held[pg]--; p.held[pg] == 0 {
			delete(p.held, pg)
		}
	}
	p.dirty = append(p.dirty, b[:chunkBlock:chunkBlock])
	p.mu.Unlock()
}

// Trim gives back to the system the memory kept for reuse: the pool's
// freed maps are unmapped, and the pages of the chunk blocks no table
// holds are released (see [blockPool.trim]). An audit calls it once its
// tables are freed.
func Trim() {
	pool.trim()
	trimChunks()
}

// trimChunks gives back the pages of the chunk blocks no table holds.
func trimChunks() { chunkBlocks.trim() }

func (p *mapPool) trim() {
	p.mu.Lock()
	free := p.free
	p.free, p.bytes = nil, 0
	p.mu.Unlock()
	for _, m := range free {
		_ = syscall.Munmap(m)
	}
}

// trim gives the pages of the blocks freed since the last trim back to the
// system, a whole huge page at a time: those of the huge pages none of
// whose blocks is held. The blocks stay mapped and kept, and are faulted
// in again if handed out again; a freed block in a huge page that another
// block still holds stays dirty, for the next get. A table's pending
// chunks go back to the pool when the table is freed ([Parts.Free]), which
// trims: before, their pages were never given back, and at 30M rows the
// 512 MiB they had held stayed in the process while the checks listed
// their flagged rows, the audit's peak (docs/performance.md, 2026-11-28
// n). The pages are released a run of adjacent huge pages at a time: a
// call each would flush the other CPUs' address translations thousands of
// times.
//
// Why whole huge pages: giving back part of one makes the kernel split it
// into 512 small pages, and on the 2-core VM the first read of each small
// page after that costs about 5–9 µs (we take it that the hypervisor's
// shadow page tables are rebuilt a small page at a time; its source was
// not read). Until 2026-11-29 trim gave back every freed block: the
// duplicates check's tables, freed while the row table was being counted,
// split the huge pages the row table's pending chunks shared with them,
// and reading those chunks took 62–71 ns a row instead of 3 (the 10M
// audit's merge 0.70 s against 0.52 s; docs/performance.md, 2026-11-29 y).
func (p *blockPool) trim() {
	p.mu.Lock()
	defer p.mu.Unlock()
	release := p.release
	if release == nil {
		release = releasePages
	}
	slices.SortFunc(p.dirty, func(a, b []byte) int { return cmp.Compare(blockAddr(a), blockAddr(b)) })
	// The huge pages to give back, in order: where each starts, and a
	// pointer to it (from a block in it: the arena's memory is not Go's).
	type huge struct {
		at  uintptr
		ptr unsafe.Pointer
	}
	var pages []huge
	var loose, kept [][]byte
	for _, b := range p.dirty {
		pg, ok := p.hugePage(b)
		switch {
		case !ok:
			loose = append(loose, b)
		case p.held[pg] > 0:
			kept = append(kept, b)
			continue
		case len(pages) == 0 || pages[len(pages)-1].at != pg:
			pages = append(pages, huge{pg, unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), -int(blockAddr(b)-pg))})
		}
		p.clean = append(p.clean, b)
	}
	for i := 0; i < len(pages); {
		j := i + 1
		for j < len(pages) && pages[j].at == pages[j-1].at+hugeBytes {
			j++
		}
		release(unsafe.Slice((*byte)(pages[i].ptr), (j-i)*hugeBytes))
		i = j
	}
	// Blocks made on the Go heap: a run of adjacent ones at a time.
	for i := 0; i < len(loose); {
		j := i + 1
		for j < len(loose) && blockAddr(loose[j]) == blockAddr(loose[j-1])+chunkBlock {
			j++
		}
		release(unsafe.Slice(unsafe.SliceData(loose[i]), (j-i)*chunkBlock))
		i = j
	}
	p.dirty = kept
}
