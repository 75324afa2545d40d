/**
 * cargo's output. clippy and test run with `--message-format=json`: each compiler diagnostic is a
 * JSON line with its spans (file, line, column) and its rendered text, which is what the log
 * shows. Test binaries print libtest's plain text on the same stream: a failing test's panic
 * location (`thread 'name' panicked at file:line:col:`) places it. `cargo fmt --check` prints
 * `Diff in <file> at line <n>:` (rustfmt 1.5) or `Diff in <file>:<n>:` (later rustfmt).
 */
import { type Collector, type Finding, FindingList } from './types.js';

interface Span {
  file_name?: string;
  line_start?: number;
  line_end?: number;
  column_start?: number;
  is_primary?: boolean;
}

interface CompilerMessage {
  reason?: string;
  message?: {
    level?: string;
    message?: string;
    rendered?: string | null;
    code?: { code?: string } | null;
    spans?: Span[];
  };
}

interface FailedTest {
  name: string;
  file?: string;
  line?: number;
  column?: number;
  message: string[];
}

export class CargoCollector implements Collector {
  private readonly findings = new FindingList();
  private readonly failed: FailedTest[] = [];
  private section: FailedTest | undefined;
  private panicLines: FailedTest | undefined;
  /** The lines of an old-style quoted panic message, until its closing `', file:line:col`. */
  private quoted: string[] | undefined;

  constructor(private readonly mode: 'clippy' | 'test') {}

  line(text: string): string | undefined {
    if (text.startsWith('{')) {
      // Most lines of a build are artifact notices, hidden from the log: only a diagnostic is worth
      // parsing (cargo writes its JSON compact, so the reason reads the same in every version).
      if (!text.includes('"reason":"compiler-message"')) {
        if (/^\{"reason":"[a-z-]+"/.test(text)) return undefined;
      } else {
        const parsed = parseJson(text);
        if (parsed !== undefined) return this.compilerMessage(parsed);
      }
    }
    if (this.mode === 'test') this.testOutput(text);
    return text;
  }

  finish(): Finding[] {
    for (const test of this.failed) {
      this.findings.add({
        file: test.file,
        line: test.line,
        column: test.column,
        level: 'error',
        title: `cargo test: ${test.name}`,
        message: test.message.join('\n').trim() || `${test.name} failed`,
      });
    }
    return this.findings.items;
  }

  private compilerMessage(parsed: CompilerMessage): string | undefined {
    if (parsed.reason !== 'compiler-message' || !parsed.message) return undefined;
    const message = parsed.message;
    const level = message.level === 'error' ? 'error' : message.level === 'warning' ? 'warning' : undefined;
    const span = message.spans?.find((candidate) => candidate.is_primary) ?? message.spans?.[0];
    if (level && span?.file_name && message.message) {
      this.findings.add({
        file: span.file_name,
        line: span.line_start,
        endLine: span.line_end !== span.line_start ? span.line_end : undefined,
        column: span.column_start,
        level,
        title: message.code?.code ?? (this.mode === 'clippy' ? 'cargo clippy' : 'rustc'),
        message: message.message,
      });
    }
    return message.rendered?.replace(/\n+$/, '') ?? message.message;
  }

  private testOutput(text: string): void {
    const result = /^test (\S.*?) \.\.\. FAILED$/.exec(text);
    if (result) {
      this.failed.push({ name: result[1] as string, message: [] });
      return;
    }
    const section = /^---- (.+?) std(?:out|err) ----$/.exec(text);
    if (section) {
      // A binary's failures are listed after its results, in the same order.
      this.section = [...this.failed].reverse().find((test) => test.name === section[1] && test.file === undefined);
      this.panicLines = undefined;
      return;
    }
    // Rust 1.73+: `thread 'name' panicked at src/lib.rs:10:5:` then the message on its own lines
    // (1.88+ names the thread's id too: `thread 'name' (1234) panicked at`).
    const panic = /^thread '(.*)'(?: \(\d+\))? panicked at (.+?):(\d+):(\d+):$/.exec(text);
    if (panic && this.section) {
      Object.assign(this.section, { file: panic[2], line: Number(panic[3]), column: Number(panic[4]) });
      this.panicLines = this.section;
      return;
    }
    // Earlier: `thread 'name' panicked at 'message', src/lib.rs:10:5`, the message over
    // several lines when it has line breaks (assert_eq!'s left and right).
    const oldPanic = /^thread '(.*)'(?: \(\d+\))? panicked at '(.*)$/.exec(text);
    if (oldPanic && this.section) {
      this.quoted = [];
      this.quotedLine(oldPanic[2] as string);
      return;
    }
    if (this.quoted) {
      this.quotedLine(text);
      return;
    }
    if (this.panicLines) {
      if (text.trim() === '' || text.startsWith('note: ') || text.startsWith('stack backtrace:')) {
        this.panicLines = undefined;
      } else if (this.panicLines.message.length < 20) {
        this.panicLines.message.push(text);
      }
    }
  }

  private quotedLine(text: string): void {
    const quoted = this.quoted as string[];
    const end = /^(.*)', (.+?):(\d+):(\d+)$/.exec(text);
    if (end && this.section) {
      quoted.push(end[1] as string);
      Object.assign(this.section, { file: end[2], line: Number(end[3]), column: Number(end[4]) });
      this.section.message.push(...quoted);
      this.quoted = undefined;
    } else if (quoted.length < 20) quoted.push(text);
    else this.quoted = undefined;
  }
}

export class CargoFmtCollector implements Collector {
  private readonly findings = new FindingList();
  private pendingError: string | undefined;
  /** The diff being read: its file and the line its next context line is on. */
  private diff: { file: string; line: number; reported: boolean } | undefined;

  line(text: string): string | undefined {
    const header = /^Diff in (.+?)(?: at line |:)(\d+):?$/.exec(text);
    if (header) {
      this.diff = { file: header[1] as string, line: Number(header[2]), reported: false };
      return text;
    }
    if (this.diff) {
      // The diff starts with context lines; the finding goes on the first line that changes.
      if (text.startsWith(' ')) this.diff.line++;
      else if (/^[-+]/.test(text)) {
        if (!this.diff.reported) {
          this.diff.reported = true;
          this.findings.add({
            file: this.diff.file,
            line: this.diff.line,
            level: 'error',
            title: 'cargo fmt',
            message: 'Not formatted as rustfmt formats it: run `cargo fmt --all` and commit the result.',
          });
        }
      } else this.diff = undefined;
      if (this.diff) return text;
    }
    // rustfmt could not parse a file: `error: <message>` then ` --> file:line:col`.
    const error = /^error(?:\[\w+\])?: (.*)$/.exec(text);
    if (error) this.pendingError = error[1];
    const location = /^\s*--> (.+):(\d+):(\d+)$/.exec(text);
    if (location && this.pendingError) {
      this.findings.add({
        file: location[1],
        line: Number(location[2]),
        column: Number(location[3]),
        level: 'error',
        title: 'rustfmt',
        message: this.pendingError,
      });
      this.pendingError = undefined;
    }
    return text;
  }

  finish(): Finding[] {
    return this.findings.items;
  }
}

function parseJson(text: string): CompilerMessage | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as CompilerMessage) : undefined;
  } catch {
    return undefined;
  }
}
