/**
 * mypy's `file:line[:column]: error|warning|note: message  [code]` lines (run with
 * --show-column-numbers). A note that follows a finding at the same place is added to its message.
 */
import { type Collector, type Finding, FindingList } from './types.js';

const LINE = /^(.+?):(\d+):(?:(\d+):)? (error|warning|note): (.*)$/;

export class MypyCollector implements Collector {
  private readonly findings = new FindingList();
  private last: Finding | undefined;

  line(text: string): string | undefined {
    const match = LINE.exec(text);
    if (!match) {
      // A run-level problem (bad configuration, a target that does not exist).
      if (/^(mypy: |error: )/.test(text)) {
        this.last = undefined;
        this.findings.add({ level: 'error', title: 'mypy', message: text.replace(/^(mypy: |error: )/, '') });
      }
      return text;
    }
    const [, file, line, column, severity, rest = ''] = match;
    if (severity === 'note') {
      if (this.last && this.last.file === file && this.last.line === Number(line)) {
        this.last.message += `\n${rest}`;
      }
      return text;
    }
    const coded = /^(.*?)\s+\[([a-z0-9-]+)\]$/.exec(rest);
    const finding: Finding = {
      file,
      line: Number(line),
      column: column === undefined ? undefined : Number(column),
      level: severity === 'error' ? 'error' : 'warning',
      title: coded ? `mypy [${coded[2]}]` : 'mypy',
      message: coded ? (coded[1] as string) : rest,
    };
    this.findings.add(finding);
    this.last = finding;
    return text;
  }

  finish(): Finding[] {
    return this.findings.items;
  }
}
