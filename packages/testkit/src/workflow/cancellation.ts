/**
 * A cancellation that can be waited on (the runner's cancel of a job or a whole run). It follows
 * the parents that are not cancelled yet when it is made: a job that starts after its run was
 * cancelled (an `if: always()` one) runs to its end, as on GitHub.
 */
export class Cancellation {
  reason: string | undefined;
  readonly promise: Promise<string>;
  private resolve!: (reason: string) => void;

  constructor(parents: readonly Cancellation[] = []) {
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
    for (const parent of parents) {
      if (!parent.cancelled) parent.promise.then((reason) => this.cancel(reason));
    }
  }

  get cancelled(): boolean {
    return this.reason !== undefined;
  }

  cancel(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.resolve(reason);
  }
}

/** At most `size` holders at once (matrix legs and jobs on this machine's cores). */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
