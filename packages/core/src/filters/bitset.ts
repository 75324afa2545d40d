/**
 * Bit sets of path indexes, for the matcher of paths in ascending order (match-sorted.ts): each
 * glob's matches become one, and a group's patterns apply as set operations on them.
 */

/**
 * A set of path indexes, one bit each, and the span of words that can have bits set: most globs
 * match one folder's block, and set operations only walk that span.
 */
export class BitSet {
  readonly words: Uint32Array;
  /** Words below `low` and from `high` on are 0. */
  private low: number;
  private high = 0;

  constructor(size: number) {
    this.words = new Uint32Array(size);
    this.low = size;
  }

  add(index: number): void {
    const word = index >>> 5;
    this.words[word] = (this.words[word] as number) | (1 << (index & 31));
    this.widen(word, word + 1);
  }

  /** Add ascending indexes. */
  addEach(indexes: readonly number[]): void {
    if (indexes.length === 0) return;
    const { words } = this;
    for (let at = 0; at < indexes.length; at++) {
      const index = indexes[at] as number;
      words[index >>> 5] = (words[index >>> 5] as number) | (1 << (index & 31));
    }
    this.widen((indexes[0] as number) >>> 5, ((indexes[indexes.length - 1] as number) >>> 5) + 1);
  }

  /** Add the indexes [from, to) (from < to). */
  fill(from: number, to: number): void {
    const first = from >>> 5;
    const last = (to - 1) >>> 5;
    const head = (0xffffffff << (from & 31)) >>> 0;
    const tail = 0xffffffff >>> (31 - ((to - 1) & 31));
    const { words } = this;
    if (first === last) words[first] = (words[first] as number) | (head & tail);
    else {
      words[first] = (words[first] as number) | head;
      words.fill(0xffffffff, first + 1, last);
      words[last] = (words[last] as number) | tail;
    }
    this.widen(first, last + 1);
  }

  addAll(other: BitSet): void {
    orWords(this.words, other.words, other.low, other.high);
    this.widen(other.low, other.high);
  }

  remove(other: BitSet): void {
    andNotWords(this.words, other.words, Math.max(this.low, other.low), Math.min(this.high, other.high));
  }

  /** The runs of set bits, as flattened `[start, end)` pairs. */
  runs(): number[] {
    const runs: number[] = [];
    const { words } = this;
    let carry = 0;
    for (let word = this.low; word < this.high; word++) {
      const bits = words[word] as number;
      // A set bit of `edges` is where a run starts (the bit before it is clear) or ends.
      let edges = (bits ^ ((bits << 1) | carry)) >>> 0;
      carry = bits >>> 31;
      while (edges !== 0) {
        runs.push(word * 32 + lowestBit(edges));
        edges &= edges - 1;
      }
    }
    if (carry === 1) runs.push(this.high * 32);
    return runs;
  }

  private widen(low: number, high: number): void {
    if (low >= high) return;
    if (low < this.low) this.low = low;
    if (high > this.high) this.high = high;
  }
}

function orWords(target: Uint32Array, source: Uint32Array, from: number, to: number): void {
  for (let word = from; word < to; word++) target[word] = (target[word] as number) | (source[word] as number);
}

function andNotWords(target: Uint32Array, source: Uint32Array, from: number, to: number): void {
  for (let word = from; word < to; word++) target[word] = (target[word] as number) & ~(source[word] as number);
}

/** The bits of the last word of a set of `count` indexes that stand for an index. */
export function lastWordMask(count: number): number {
  return count % 32 === 0 ? 0xffffffff : 2 ** (count % 32) - 1;
}

/** The index of the lowest set bit of a 32-bit word (not 0). */
export function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}
