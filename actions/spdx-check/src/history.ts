/**
 * The `last-commit` year rule from ONE `git log` pass: walking history newest first, the first
 * commit that lists a path is its last change. The consumer is fed output lines as they stream
 * and says when every wanted path has a year, so the caller can stop git early. Pure.
 *
 * Output shape (`git log --format=%x01%cs --name-only`): a `\x01YYYY-MM-DD` line per commit, then
 * the paths it changed, one per line, C-quoted by git when they hold `"`, `\`, control bytes or
 * non-ASCII bytes.
 */

export const COMMIT_MARK = '\x01';

/** Arguments for `git log` (after core's `GIT_CONFIG_ARGS`) that produce what `LastChangeCollector` reads. */
export function lastChangeLogArgs(revision: string): string[] {
  // Default quoting (core.quotepath on, overriding core's off) keeps the stream ASCII: non-ASCII
  // bytes arrive as octal escapes, so a multi-byte character can never be split between two
  // output chunks. `--root`: the first commit lists its files too, whatever log.showRoot says.
  return ['-c', 'core.quotepath=on', 'log', '--root', '--format=%x01%cs', '--name-only', '--no-color', revision, '--'];
}

export class LastChangeCollector {
  private readonly years = new Map<string, number>();
  private readonly pending: Set<string>;
  private currentYear: number | undefined;

  constructor(wanted: Iterable<string>) {
    this.pending = new Set(wanted);
  }

  /** Feed one output line; returns true once every wanted path has its year. */
  push(line: string): boolean {
    if (line.startsWith(COMMIT_MARK)) {
      this.currentYear = Number(line.slice(1, 5));
      return this.done;
    }
    if (line === '' || this.currentYear === undefined) return this.done;
    const path = unquoteGitPath(line);
    if (this.pending.delete(path)) this.years.set(path, this.currentYear);
    return this.done;
  }

  get done(): boolean {
    return this.pending.size === 0;
  }

  /** The year of each path's last change; paths history did not reach are missing. */
  result(): Map<string, number> {
    return this.years;
  }
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** Undo git's C-style quoting of a path (`"a\tb\303\251"`), decoding octal escapes as UTF-8 bytes. */
export function unquoteGitPath(text: string): string {
  if (!(text.length >= 2 && text.startsWith('"') && text.endsWith('"'))) return text;
  const chunks: Buffer[] = [];
  for (const part of text.slice(1, -1).split(/(\\[0-7]{3}|\\.)/)) {
    if (part === '') continue;
    if (!part.startsWith('\\')) chunks.push(Buffer.from(part, 'utf8'));
    else if (part.length === 4) chunks.push(Buffer.from([Number.parseInt(part.slice(1), 8)]));
    else chunks.push(Buffer.from([ESCAPES[part[1] as string] ?? (part[1] as string).charCodeAt(0)]));
  }
  return Buffer.concat(chunks).toString('utf8');
}
