/**
 * Go's output. `go vet` and compile errors are `file.go:line[:column]: message` lines (relative to
 * where go ran). `go test -json` prints one JSON event per line: a failed test's `t.Errorf` lines
 * (`    file_test.go:12: message`) name a file of the test's package, which the module path from
 * go.mod turns into a path. `gofmt -d` prints a diff per file that is not formatted.
 */
import { DiffReader } from './diff.js';
import { type Collector, type Finding, FindingList } from './types.js';

const LOCATION = /^(?:vet: )?(\S+?\.go):(\d+)(?::(\d+))?: (.*)$/;

/** go vet, and compile errors from go build or go test. */
export class GoCollector implements Collector {
  private readonly findings = new FindingList();

  constructor(private readonly title: string) {}

  line(text: string): string | undefined {
    const finding = locationFinding(text, this.title);
    if (finding) this.findings.add(finding);
    return text;
  }

  finish(): Finding[] {
    return this.findings.items;
  }
}

function locationFinding(text: string, title: string): Finding | undefined {
  const match = LOCATION.exec(text);
  if (!match) return undefined;
  return {
    file: match[1],
    line: Number(match[2]),
    column: match[3] === undefined ? undefined : Number(match[3]),
    level: 'error',
    title,
    message: match[4] as string,
  };
}

interface TestEvent {
  Action?: string;
  Package?: string;
  Test?: string;
  Output?: string;
}

export class GoTestCollector implements Collector {
  private readonly findings = new FindingList();
  private readonly build = new GoCollector('go build');
  private readonly output = new Map<string, string[]>();
  private readonly failedTests: { pkg: string; test: string }[] = [];
  private readonly failedPackages: string[] = [];

  constructor(private readonly modulePath?: string) {}

  line(text: string): string | undefined {
    const event = text.startsWith('{') ? parseEvent(text) : undefined;
    if (!event) {
      // Build errors and `FAIL <pkg> [build failed]` come as plain text.
      this.build.line(text);
      return text;
    }
    const pkg = event.Package ?? '';
    if (event.Action === 'output' && event.Output !== undefined) {
      const key = `${pkg}\0${event.Test ?? ''}`;
      const lines = this.output.get(key) ?? [];
      if (lines.length < 200) lines.push(event.Output.replace(/\n$/, ''));
      this.output.set(key, lines);
      return event.Output.replace(/\n$/, '');
    }
    if (event.Action === 'fail') {
      if (event.Test) this.failedTests.push({ pkg, test: event.Test });
      else this.failedPackages.push(pkg);
    }
    return undefined;
  }

  finish(): Finding[] {
    for (const finding of this.build.finish()) this.findings.add(finding);
    const packagesWithFindings = new Set<string>();
    for (const { pkg, test } of this.failedTests) {
      // A parent test fails when a subtest does; report the subtest only.
      if (this.failedTests.some((other) => other.pkg === pkg && other.test.startsWith(`${test}/`))) continue;
      packagesWithFindings.add(pkg);
      for (const finding of this.testFindings(pkg, test)) this.findings.add(finding);
    }
    for (const pkg of this.failedPackages) {
      if (packagesWithFindings.has(pkg)) continue;
      const lines = this.output.get(`${pkg}\0`) ?? [];
      if (lines.some((line) => line.includes('[build failed]')) && this.build.finish().length > 0) continue;
      this.findings.add({
        level: 'error',
        title: 'go test',
        message: `${pkg} failed: ${
          lines
            .filter((line) => line.trim() !== '')
            .slice(-5)
            .join('\n') || 'no output'
        }`,
      });
    }
    return this.findings.items;
  }

  /**
   * One finding per `file.go:line: message` line of a failed test's output (t.Errorf, t.Fatalf,
   * and t.Log, which looks the same), at most ten; the test's last lines when none is placed.
   */
  private testFindings(pkg: string, test: string): Finding[] {
    const lines = this.output.get(`${pkg}\0${test}`) ?? [];
    const title = `go test: ${test}`;
    const dir = this.packageDir(pkg);
    const found: Finding[] = [];
    for (const [index, line] of lines.entries()) {
      const match = /^(\s+)(\S+\.go):(\d+): (.*)$/.exec(line);
      if (!match || found.length >= 10) continue;
      const indent = (match[1] as string).length;
      const message = [match[4] as string];
      // A message's further lines are indented deeper.
      for (const next of lines.slice(index + 1)) {
        const nextIndent = /^\s*/.exec(next)?.[0].length ?? 0;
        if (nextIndent <= indent || next.trim() === '' || message.length >= 20) break;
        message.push(next.trim());
      }
      found.push({
        file: dir === undefined || dir === '' ? match[2] : `${dir}/${match[2]}`,
        line: Number(match[3]),
        level: 'error',
        title,
        message: message.join('\n'),
      });
    }
    if (found.length > 0) return found;
    const last = lines.filter((line) => line.trim() !== '' && !/^(=== RUN|--- FAIL)/.test(line.trim())).slice(-5);
    return [
      { level: 'error', title, message: `${test} failed in ${pkg}${last.length ? `:\n${last.join('\n')}` : ''}` },
    ];
  }

  /** The package's folder relative to the module root, or undefined outside the module. */
  private packageDir(pkg: string): string | undefined {
    if (this.modulePath === undefined) return undefined;
    if (pkg === this.modulePath) return '';
    if (pkg.startsWith(`${this.modulePath}/`)) return pkg.slice(this.modulePath.length + 1);
    return undefined;
  }
}

export class GoFmtCollector implements Collector {
  private readonly findings = new FindingList();
  private readonly diff = new DiffReader('', (file, line) => ({
    file,
    line,
    level: 'error',
    title: 'gofmt',
    message: 'Not formatted as gofmt formats it: run `gofmt -w` on it and commit the result.',
  }));

  line(text: string): string | undefined {
    // `gofmt -e` reports files it cannot parse as `file.go:line:column: message`.
    const syntax = locationFinding(text, 'gofmt');
    if (syntax) this.findings.add(syntax);
    else {
      const finding = this.diff.line(text);
      if (finding) this.findings.add(finding);
    }
    return text;
  }

  finish(): Finding[] {
    return this.findings.items;
  }
}

function parseEvent(text: string): TestEvent | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as TestEvent) : undefined;
  } catch {
    return undefined;
  }
}
