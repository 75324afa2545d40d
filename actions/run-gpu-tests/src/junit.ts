/**
 * A streaming JUnit XML reader built for size: one sticky regex walks the tags, so a report of
 * 50,000 testcases parses in well under a second and a multi-gigabyte one never has to fit in a
 * string. It reads what pytest, surefire-style rerun reporters and most other producers write:
 * `testcase` with `failure` / `error` / `skipped` children (a body or a CDATA section), and
 * surefire's `flakyFailure` / `flakyError` for a test that failed and then passed.
 */
import { createReadStream } from 'node:fs';

export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

export interface JunitCase {
  classname: string;
  name: string;
  file?: string;
  /** As written (pytest's xunit1 writes the 0-based line of the test's first decorator). */
  line?: number;
  time: number;
  outcome: Outcome;
  message?: string;
  details?: string;
  /** A surefire `flakyFailure`/`flakyError`: failed, then passed on a rerun. */
  flakyMessage?: string;
  /** pytest's node id, when the case came from the live log rather than JUnit. */
  nodeid?: string;
}

/** Keep at most this much of a failure body per testcase; tracebacks can be megabytes. */
export const MAX_DETAILS = 8 * 1024;
/** A `<` that does not start a tag within this many characters is text, not a tag split by a chunk. */
const MAX_TAG = 1024 * 1024;

const TOKEN =
  /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!(?!\[CDATA\[|--)[^>]*>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const ATTRIBUTE = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

type ResultKind = 'failure' | 'error' | 'skipped' | 'flakyFailure' | 'flakyError';
const RESULT_KINDS = new Set<string>(['failure', 'error', 'skipped', 'flakyFailure', 'flakyError']);

interface OpenCase {
  testcase: JunitCase;
  failure?: { message?: string; details: string };
  error?: { message?: string; details: string };
  skipped?: { message?: string; details: string };
  flaky?: { message?: string; details: string };
}

export class JunitParser {
  readonly cases: JunitCase[] = [];
  private buffer = '';
  private current: OpenCase | undefined;
  /** The result element whose text is being collected. */
  private capture: { message?: string; details: string } | undefined;

  push(chunk: string): void {
    this.buffer = this.buffer === '' ? chunk : this.buffer + chunk;
    this.scan(false);
  }

  end(): JunitCase[] {
    this.scan(true);
    if (this.current) this.close();
    return this.cases;
  }

  private scan(final: boolean): void {
    const text = this.buffer;
    let position = 0;
    for (;;) {
      const lt = text.indexOf('<', position);
      if (lt === -1) {
        let end = text.length;
        // An entity cut by the chunk boundary (`&am` + `p;`) waits for the next chunk.
        const amp = text.lastIndexOf('&');
        if (!final && amp >= position && text.length - amp < 12 && !text.includes(';', amp)) end = amp;
        if (this.capture) this.append(text.slice(position, end));
        position = end;
        break;
      }
      if (this.capture && lt > position) this.append(text.slice(position, lt));
      TOKEN.lastIndex = lt;
      const match = TOKEN.exec(text);
      if (match === null) {
        const tooLong = text.length - lt > MAX_TAG && !text.startsWith('<![CDATA[', lt) && !text.startsWith('<!--', lt);
        if (!final && !tooLong) {
          position = lt;
          break;
        }
        if (this.capture) this.append('<');
        position = lt + 1;
        continue;
      }
      position = TOKEN.lastIndex;
      if (match[1] !== undefined) {
        if (this.capture) this.appendRaw(match[1]);
      } else if (match[3] !== undefined) {
        this.tag(match[2] === '/', match[3], match[4] ?? '', match[5] === '/');
      }
    }
    this.buffer = position >= text.length ? '' : text.slice(position);
  }

  private tag(closing: boolean, name: string, attributes: string, selfClosing: boolean): void {
    if (name === 'testcase') {
      if (closing) {
        this.close();
        return;
      }
      if (this.current) this.close();
      const attrs = parseAttributes(attributes);
      const line = attrs.line === undefined ? undefined : Number.parseInt(attrs.line, 10);
      const testcase: JunitCase = {
        classname: attrs.classname ?? '',
        name: attrs.name ?? '',
        time: Number.parseFloat(attrs.time ?? '0') || 0,
        outcome: 'passed',
      };
      if (attrs.file !== undefined) testcase.file = attrs.file;
      if (line !== undefined && Number.isFinite(line)) testcase.line = line;
      this.current = { testcase };
      if (selfClosing) this.close();
      return;
    }
    if (!this.current || !RESULT_KINDS.has(name)) return;
    if (closing) {
      this.capture = undefined;
      return;
    }
    const kind = name as ResultKind;
    const slot = kind === 'flakyFailure' || kind === 'flakyError' ? 'flaky' : kind;
    const attrs = parseAttributes(attributes);
    const result = { message: attrs.message, details: '' };
    if (!this.current[slot]) this.current[slot] = result;
    this.capture = selfClosing ? undefined : this.current[slot];
  }

  private append(text: string): void {
    const capture = this.capture as { details: string };
    if (capture.details.length >= MAX_DETAILS) return;
    capture.details += decodeEntities(text.slice(0, MAX_DETAILS - capture.details.length));
  }

  private appendRaw(text: string): void {
    const capture = this.capture as { details: string };
    if (capture.details.length >= MAX_DETAILS) return;
    capture.details += text.slice(0, MAX_DETAILS - capture.details.length);
  }

  private close(): void {
    const open = this.current;
    this.current = undefined;
    this.capture = undefined;
    if (!open) return;
    const testcase = open.testcase;
    // pytest writes both a failure (call) and an error (teardown) for one test: the failure wins.
    const result = open.failure ?? open.error ?? open.skipped;
    testcase.outcome = open.failure ? 'failed' : open.error ? 'error' : open.skipped ? 'skipped' : 'passed';
    if (result) {
      const details = result.details.trim();
      const message = result.message ?? firstLine(details);
      if (message) testcase.message = message;
      if (details) testcase.details = details;
    }
    if (open.flaky && testcase.outcome === 'passed') {
      testcase.flakyMessage = open.flaky.message ?? firstLine(open.flaky.details.trim()) ?? 'failed before passing';
    }
    this.cases.push(testcase);
  }
}

export function parseJunit(xml: string): JunitCase[] {
  const parser = new JunitParser();
  parser.push(xml);
  return parser.end();
}

/** Parse a file in 4 MiB chunks; memory stays proportional to the testcases, not the file. */
export async function parseJunitFile(path: string): Promise<JunitCase[]> {
  const parser = new JunitParser();
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 4 * 1024 * 1024 });
  for await (const chunk of stream) parser.push(chunk as string);
  return parser.end();
}

function parseAttributes(text: string): Record<string, string | undefined> {
  const attrs: Record<string, string | undefined> = {};
  if (text === '') return attrs;
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(text); match !== null; match = ATTRIBUTE.exec(text)) {
    const value = match[2] ?? match[3] ?? '';
    attrs[match[1] as string] = value.includes('&') ? decodeEntities(value) : value;
  }
  return attrs;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (whole, entity: string) => {
    if (entity[0] !== '#') return NAMED[entity] ?? whole;
    const code = entity[1] === 'x' ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function firstLine(text: string): string | undefined {
  const line = text.split('\n', 1)[0]?.trim();
  return line === '' ? undefined : line;
}

/** XML-escape for attributes and text; drops characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  return text
    .replace(XML_FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

// Control characters other than tab, newline and carriage return, and U+FFFE/U+FFFF.
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** A JUnit file for testcases the action had to write itself (a killed or crashed run). */
export function writeJunit(suite: string, cases: readonly JunitCase[]): string {
  const count = (outcome: Outcome) => cases.filter((testcase) => testcase.outcome === outcome).length;
  const time = cases.reduce((sum, testcase) => sum + testcase.time, 0);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<testsuites>',
    `<testsuite name="${escapeXml(suite)}" tests="${cases.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('skipped')}" time="${time.toFixed(3)}">`,
  ];
  for (const testcase of cases) {
    const attrs = [`classname="${escapeXml(testcase.classname)}"`, `name="${escapeXml(testcase.name)}"`];
    if (testcase.file !== undefined) attrs.push(`file="${escapeXml(testcase.file)}"`);
    if (testcase.line !== undefined) attrs.push(`line="${testcase.line}"`);
    attrs.push(`time="${testcase.time.toFixed(3)}"`);
    const element = { failed: 'failure', error: 'error', skipped: 'skipped', passed: undefined }[testcase.outcome];
    if (element === undefined) {
      lines.push(`<testcase ${attrs.join(' ')} />`);
      continue;
    }
    const message = escapeXml(testcase.message ?? '');
    lines.push(
      `<testcase ${attrs.join(' ')}><${element} message="${message}">${escapeXml(testcase.details ?? testcase.message ?? '')}</${element}></testcase>`,
    );
  }
  lines.push('</testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
