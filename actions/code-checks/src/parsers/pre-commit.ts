/**
 * pre-commit's output: one status line per hook (`black.....Failed`), each failed hook's output
 * (a linter's `file:line:column: message` lines become findings), and with --show-diff-on-failure
 * the diff of what the hooks changed, one finding per hunk naming the hooks that touched the file
 * (`reformatted <file>` from black, `Fixing <file>` from isort).
 */
import { DiffReader } from './diff.js';
import { type Collector, type Finding, FindingList } from './types.js';

const STATUS = /^(.+?)\.{2,}(?:\(no files to check\))?(Passed|Failed|Skipped)$/;
const LOCATION = /^([^\s:][^:]*):(\d+):(?:(\d+):)?\s*(?:\[(error|warning)\]\s*)?(.+)$/;

export class PreCommitCollector implements Collector {
  private readonly findings = new FindingList();
  private hook: string | undefined;
  private inDiff = false;
  private readonly failedHooks: string[] = [];
  /** Files each hook says it changed, as the hook named them (relative or absolute). */
  private readonly changed: { hook: string; file: string }[] = [];
  private readonly diff = new DiffReader('a/', (file, line) => {
    const hooks = [...new Set(this.changed.filter((entry) => sameFile(entry.file, file)).map((entry) => entry.hook))];
    return {
      file,
      line,
      level: 'error',
      title: hooks.length > 0 ? `pre-commit: ${hooks.join(', ')}` : 'pre-commit',
      message: 'Changed by the pre-commit hooks: run `pre-commit run --all-files` and commit the result.',
    };
  });

  line(text: string): string | undefined {
    if (text.startsWith('All changes made by hooks:')) {
      this.inDiff = true;
      this.hook = undefined;
      return text;
    }
    if (this.inDiff) {
      const finding = this.diff.line(text);
      if (finding) this.findings.add(finding);
      return text;
    }
    const status = STATUS.exec(text);
    if (status) {
      const name = (status[1] as string).trim();
      this.hook = status[2] === 'Failed' ? name : undefined;
      if (this.hook) this.failedHooks.push(name);
      return text;
    }
    if (!this.hook || text.startsWith('- ')) return text;
    const changed = /^(?:reformatted|Fixing|Fixed|fixing) (.+)$/.exec(text);
    if (changed) {
      this.changed.push({ hook: this.hook, file: (changed[1] as string).trim() });
      return text;
    }
    const location = LOCATION.exec(text);
    if (location) {
      this.findings.add({
        file: location[1],
        line: Number(location[2]),
        column: location[3] === undefined ? undefined : Number(location[3]),
        level: location[4] === 'warning' ? 'warning' : 'error',
        title: `pre-commit: ${this.hook}`,
        message: location[5] as string,
      });
    }
    return text;
  }

  finish(): Finding[] {
    // A failed hook that printed nothing placeable still gets a finding.
    for (const hook of this.failedHooks) {
      if (this.findings.items.some((finding) => finding.title.split(/[:,] ?/).includes(hook))) continue;
      this.findings.add({
        level: 'error',
        title: `pre-commit: ${hook}`,
        message: `The ${hook} hook failed; see the log.`,
      });
    }
    return this.findings.items;
  }
}

/** `/abs/repo/a/b.py` and `a/b.py` are the same file; so are two equal relative paths. */
function sameFile(reported: string, diffPath: string): boolean {
  return reported === diffPath || reported.endsWith(`/${diffPath}`);
}
