/** What every tool's parser produces. */

export interface Finding {
  /** As the tool reported it: relative to where it ran (or to a parent), or absolute. */
  file?: string;
  line?: number;
  endLine?: number;
  column?: number;
  level: 'error' | 'warning';
  /** The rule or test: `clippy::needless_return`, `mypy [arg-type]`, `go test: TestReady`. */
  title: string;
  message: string;
}

/**
 * A parser fed the tool's output line by line as it arrives. `line` returns what the log shows
 * for that line (undefined hides it: cargo's JSON lines are shown as their rendered text, its
 * artifact notices not at all); `finish` returns the findings once the tool has exited.
 */
export interface Collector {
  line(text: string, stream: 'stdout' | 'stderr'): string | undefined;
  finish(): Finding[];
}

/** Findings in report order, each location and message once. */
export class FindingList {
  private readonly seen = new Set<string>();
  readonly items: Finding[] = [];

  add(finding: Finding): void {
    const key = [finding.file, finding.line, finding.column, finding.title, finding.message].join('\0');
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push(finding);
  }
}
