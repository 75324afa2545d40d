/**
 * Pure markdown renderers for job summaries. GitHub rejects a step summary over 1 MiB, so
 * everything goes through `limitSummary` and long tables are cut with an "and N more" row.
 */

/** GitHub's limit for one step's summary. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

/** Escape text for a markdown table cell: pipes, newlines, and HTML-significant characters. */
export function escapeCell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text.replace(/\r?\n/g, ' ')}${fence}`;
}

export interface TableOptions {
  /** Keep at most this many rows; a last row says how many were left out. */
  maxRows?: number;
  /** Cells are escaped unless the column index is listed here (already markdown). */
  rawColumns?: readonly number[];
}

export function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  options: TableOptions = {},
): string {
  const raw = new Set(options.rawColumns ?? []);
  const render = (cells: readonly (string | number)[]) =>
    `| ${cells.map((cell, index) => (raw.has(index) ? String(cell) : escapeCell(String(cell)))).join(' | ')} |`;
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const shown = rows.slice(0, maxRows);
  const lines = [render(headers), `|${headers.map(() => ' --- ').join('|')}|`, ...shown.map(render)];
  if (rows.length > shown.length) {
    const more = [`… and ${rows.length - shown.length} more`, ...headers.slice(1).map(() => '')];
    lines.push(render(more));
  }
  return `${lines.join('\n')}\n`;
}

/** A collapsible section. */
export function details(summaryLine: string, body: string): string {
  return `<details><summary>${escapeCell(summaryLine)}</summary>\n\n${body}\n</details>\n`;
}

/** A fenced code block whose fence is longer than any backtick run inside. */
export function codeBlock(text: string, language = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}\n`;
}

/**
 * Cut markdown to at most `limitBytes` UTF-8 bytes at a line boundary, adding a note that it was
 * cut. Never splits a multi-byte character.
 */
export function limitSummary(markdown: string, limitBytes = SUMMARY_LIMIT_BYTES): string {
  if (Buffer.byteLength(markdown, 'utf8') <= limitBytes) return markdown;
  const note = '\n\n_The rest of this summary was cut: GitHub limits a step summary to 1 MiB._\n';
  const budget = limitBytes - Buffer.byteLength(note, 'utf8');
  let cut = Buffer.from(markdown, 'utf8').subarray(0, Math.max(0, budget)).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  const lastNewline = cut.lastIndexOf('\n');
  if (lastNewline > 0) cut = cut.slice(0, lastNewline);
  return cut + note;
}

/** Last `maxLines` lines of a log, for failure summaries. */
export function tail(text: string, maxLines: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(-maxLines).join('\n');
}
