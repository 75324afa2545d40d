/**
 * Shards balanced by past durations: greedy LPT (longest test first onto the least-loaded shard).
 * Its makespan is within 4/3 of optimal in theory and within a few percent of the lower bound
 * max(total / shards, longest test) on real suites. Every shard job computes the same plan from
 * the same collected list and durations, so no coordination is needed; the plan's fingerprint in
 * the report lets a later job check that all shards agreed.
 */
import { createHash } from 'node:crypto';

/** Past duration in seconds per node id. */
export type Durations = Record<string, number>;

export interface ShardPlan {
  shards: { ids: string[]; seconds: number }[];
  makespan: number;
  lowerBound: number;
  /** Tests without a past duration (planned with the median of the known ones). */
  estimated: number;
  fingerprint: string;
}

export function planShards(ids: readonly string[], durations: Durations, count: number): ShardPlan {
  const known = ids
    .map((id) => durations[id])
    .filter((value): value is number => typeof value === 'number' && value >= 0);
  const fallback = median(known) ?? 1;
  const tests = [...new Set(ids)].map((id) => {
    const past = durations[id];
    return {
      id,
      seconds: typeof past === 'number' && past >= 0 ? past : fallback,
      estimated: typeof past !== 'number',
    };
  });
  tests.sort((a, b) => b.seconds - a.seconds || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const shards = Array.from({ length: count }, () => ({ ids: [] as string[], seconds: 0 }));
  const heap = new MinHeap(count);
  for (const test of tests) {
    const index = heap.popMin();
    const shard = shards[index] as { ids: string[]; seconds: number };
    shard.ids.push(test.id);
    shard.seconds += test.seconds;
    heap.push(index, shard.seconds);
  }
  const total = tests.reduce((sum, test) => sum + test.seconds, 0);
  const longest = tests[0]?.seconds ?? 0;
  const hash = createHash('sha256').update(tests.map((test) => `${test.id}\0${test.seconds}\n`).join(''));
  return {
    shards,
    makespan: Math.max(0, ...shards.map((shard) => shard.seconds)),
    lowerBound: Math.max(total / count, longest),
    estimated: tests.filter((test) => test.estimated).length,
    fingerprint: hash.digest('hex').slice(0, 16),
  };
}

/** Fold this run's durations into the past ones (newest wins; tests not run keep their value). */
export function mergeDurations(past: Durations, observed: Durations): Durations {
  return { ...past, ...observed };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Shards by load, ties by index, so the plan is the same on every machine. */
class MinHeap {
  private readonly items: { index: number; load: number }[] = [];

  constructor(count: number) {
    for (let index = 0; index < count; index++) this.items.push({ index, load: 0 });
  }

  popMin(): number {
    const items = this.items;
    const top = items[0] as { index: number; load: number };
    const last = items.pop() as { index: number; load: number };
    if (items.length > 0) {
      items[0] = last;
      this.down(0);
    }
    return top.index;
  }

  push(index: number, load: number): void {
    this.items.push({ index, load });
    let at = this.items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(at, parent)) break;
      this.swap(at, parent);
      at = parent;
    }
  }

  private down(at: number): void {
    const size = this.items.length;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let smallest = at;
      if (left < size && this.less(left, smallest)) smallest = left;
      if (right < size && this.less(right, smallest)) smallest = right;
      if (smallest === at) return;
      this.swap(at, smallest);
      at = smallest;
    }
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a] as { index: number; load: number };
    const y = this.items[b] as { index: number; load: number };
    return x.load < y.load || (x.load === y.load && x.index < y.index);
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    [items[a], items[b]] = [items[b] as { index: number; load: number }, items[a] as { index: number; load: number }];
  }
}
