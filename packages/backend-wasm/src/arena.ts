/**
 * A first-fit allocator of byte ranges with a coalescing free list: the bookkeeping behind the
 * fast backend's wasm memory (wasm-memory.ts), which holds tensor storage and kernel scratch.
 *
 * Blocks are 16-byte aligned (a v128 load or a Float64Array view at any block start is aligned)
 * and sizes are rounded up to 16 bytes. Free blocks are kept sorted by offset, and a freed block
 * merges with free neighbours, or lowers the top when it ends there, so the memory a training
 * step frees is found again whole by the next step. Lookups are linear in the number of free
 * blocks, which stays small: the buffer pool (buffer-pool.ts) recycles same-size storage before it
 * ever reaches the arena.
 */
export const ARENA_ALIGN = 16;

const alignUp = (bytes: number) => Math.ceil(bytes / ARENA_ALIGN) * ARENA_ALIGN;

export class Arena {
  /** Free blocks, sorted by offset, never adjacent to each other or to the top. */
  private readonly starts: number[] = [];
  private readonly sizes: number[] = [];
  /** First byte past the highest allocated block. */
  private topByte: number;
  /** Bytes handed out and not freed. */
  private usedBytes = 0;

  /** Allocations lie in [base, limit): base is rounded up to the alignment. */
  constructor(
    base: number,
    readonly limit: number,
  ) {
    this.topByte = alignUp(base);
  }

  get top(): number {
    return this.topByte;
  }

  get used(): number {
    return this.usedBytes;
  }

  /** The size actually reserved for a request of `bytes`. */
  static blockSize(bytes: number): number {
    return Math.max(ARENA_ALIGN, alignUp(bytes));
  }

  /** The offset of a new block of at least `bytes`, or undefined when it would pass the limit. */
  alloc(bytes: number): number | undefined {
    const size = Arena.blockSize(bytes);
    for (let i = 0; i < this.starts.length; i++) {
      if (this.sizes[i] < size) continue;
      const at = this.starts[i];
      if (this.sizes[i] === size) {
        this.starts.splice(i, 1);
        this.sizes.splice(i, 1);
      } else {
        this.starts[i] += size;
        this.sizes[i] -= size;
      }
      this.usedBytes += size;
      return at;
    }
    if (this.topByte + size > this.limit) return undefined;
    const at = this.topByte;
    this.topByte += size;
    this.usedBytes += size;
    return at;
  }

  /** Gives back the block at `offset` that alloc(bytes) returned. */
  free(offset: number, bytes: number): void {
    let size = Arena.blockSize(bytes);
    let start = offset;
    this.usedBytes -= size;
    // First free block after this one.
    let i = 0;
    while (i < this.starts.length && this.starts[i] < start) i++;
    if (i < this.starts.length && start + size > this.starts[i])
      throw new Error(`arena: block at ${offset} overlaps a free block (freed twice?)`);
    if (i > 0 && this.starts[i - 1] + this.sizes[i - 1] > start)
      throw new Error(`arena: block at ${offset} overlaps a free block (freed twice?)`);
    if (i < this.starts.length && start + size === this.starts[i]) {
      size += this.sizes[i];
      this.starts.splice(i, 1);
      this.sizes.splice(i, 1);
    }
    if (i > 0 && this.starts[i - 1] + this.sizes[i - 1] === start) {
      i--;
      start = this.starts[i];
      size += this.sizes[i];
      this.starts.splice(i, 1);
      this.sizes.splice(i, 1);
    }
    if (start + size === this.topByte) {
      this.topByte = start;
      return;
    }
    this.starts.splice(i, 0, start);
    this.sizes.splice(i, 0, size);
  }

  /** Free blocks as [offset, size] pairs (tests). */
  freeBlocks(): [number, number][] {
    return this.starts.map((s, i) => [s, this.sizes[i]]);
  }
}
