/**
 * Unified diffs (gofmt -d, pre-commit's --show-diff-on-failure): one finding per hunk, on the
 * first line the hunk changes, in the file as it is now (the `---` side: what is checked in).
 */
import type { Finding } from './types.js';

export class DiffReader {
  private file: string | undefined;
  private oldLine = 0;
  private reported = false;

  /**
   * @param stripPrefix removed from `---` paths (`a/` in git diffs)
   * @param finding builds the finding for a hunk
   */
  constructor(
    private readonly stripPrefix: string,
    private readonly finding: (file: string, line: number) => Finding,
  ) {}

  /** Feed one line; returns a finding when the line is a hunk's first change. */
  line(text: string): Finding | undefined {
    if (text.startsWith('--- ')) {
      let path = text.slice(4).split('\t')[0]?.trim() ?? '';
      if (this.stripPrefix && path.startsWith(this.stripPrefix)) path = path.slice(this.stripPrefix.length);
      // gofmt names the checked-in side `<file>.orig`.
      this.file = path === '/dev/null' ? undefined : path.replace(/\.orig$/, '');
      return undefined;
    }
    if (text.startsWith('+++ ')) return undefined;
    const hunk = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(text);
    if (hunk) {
      this.oldLine = Number(hunk[1]);
      this.reported = false;
      return undefined;
    }
    if (this.file === undefined || this.oldLine === 0) return undefined;
    if (text.startsWith(' ')) {
      this.oldLine++;
      return undefined;
    }
    if ((text.startsWith('-') || text.startsWith('+')) && !this.reported) {
      this.reported = true;
      return this.finding(this.file, Math.max(this.oldLine, 1));
    }
    return undefined;
  }

  /** Leave diff mode (a new section of output starts). */
  reset(): void {
    this.file = undefined;
    this.oldLine = 0;
  }
}
