/**
 * A streaming JUnit XML reader built for size: one sticky regex walks the tags, so a report of
 * 50,000 testcases parses in well under a second and a multi-gigabyte one never has to fit in a
 * string. It reads what pytest, surefire-style rerun reporters and most other producers write:
 * `testcase` with `failure` / `error` / `skipped` children (a body or a CDATA section), and
 * surefire's `flakyFailure` / `flakyError` for a test that failed and then passed.
 */
import { createReadStream } from 'node:fs';

/** A testcase's result: pytest's `error` (setup/teardown, collection) is kept apart from `failed`. */
export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

/** One `<testcase>`, with its result and the first 8 KiB of its failure body. */
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

interface Token {
  /** Index just past the token. */
  end: number;
  cdata: string | undefined;
  /** Set for elements; comments, processing instructions and DOCTYPE have none. */
  name: string | undefined;
  closing: boolean;
  selfClosing: boolean;
  /** The attributes are text[attributesStart, attributesEnd): sliced only for the elements read. */
  attributesStart: number;
  attributesEnd: number;
}

/** One token object reused for every tag: a 50,000-case report has ~200,000 tags. */
const token: Token = {
  end: 0,
  cdata: undefined,
  name: undefined,
  closing: false,
  selfClosing: false,
  attributesStart: 0,
  attributesEnd: 0,
};

function other(end: number, cdata?: string): Token {
  token.end = end;
  token.cdata = cdata;
  token.name = undefined;
  return token;
}

const INVALID = Symbol('not a tag');
const NAME = /[A-Za-z_][\w:.-]*/y;
const TAG_END_OR_QUOTE = /[>"']/g;

/**
 * The token starting at `text[lt] === '<'`: undefined when it may continue in the next chunk,
 * INVALID when it cannot be markup (a stray `<` in text). Hand-written rather than one regex:
 * native indexOf over each tag is several times faster than a backtracking attribute pattern.
 */
function readToken(text: string, lt: number): Token | undefined | typeof INVALID {
  const next = text.charCodeAt(lt + 1);
  if (Number.isNaN(next)) return undefined;
  if (next === 0x21 /* ! */) {
    const [open, close] = text.startsWith('<![CDATA[', lt)
      ? ['<![CDATA[', ']]>']
      : text.startsWith('<!--', lt)
        ? ['<!--', '-->']
        : ['<!', '>'];
    if (text.length - lt < open.length && open.startsWith(text.slice(lt))) return undefined;
    const stop = text.indexOf(close, lt + open.length);
    if (stop === -1) return undefined;
    return other(stop + close.length, open === '<![CDATA[' ? text.slice(lt + open.length, stop) : undefined);
  }
  if (next === 0x3f /* ? */) {
    const stop = text.indexOf('?>', lt + 2);
    return stop === -1 ? undefined : other(stop + 2);
  }
  const closing = next === 0x2f; /* / */
  NAME.lastIndex = lt + (closing ? 2 : 1);
  const name = NAME.exec(text);
  if (name === null) return NAME.lastIndex >= text.length ? undefined : INVALID;
  const afterName = NAME.lastIndex;
  if (afterName >= text.length) return undefined;
  const following = text.charCodeAt(afterName);
  // After the name: whitespace, `/` or `>`; anything else (`<a+b`) is text.
  if (
    following !== 0x3e &&
    following !== 0x2f &&
    following !== 0x20 &&
    following !== 0x0a &&
    following !== 0x09 &&
    following !== 0x0d
  ) {
    return INVALID;
  }
  TAG_END_OR_QUOTE.lastIndex = afterName;
  for (;;) {
    const found = TAG_END_OR_QUOTE.exec(text);
    if (found === null) return undefined;
    const at = found.index;
    if (found[0] === '>') {
      const selfClosing = text.charCodeAt(at - 1) === 0x2f && at - 1 >= afterName;
      token.end = at + 1;
      token.cdata = undefined;
      token.name = name[0];
      token.closing = closing;
      token.selfClosing = selfClosing;
      token.attributesStart = afterName;
      token.attributesEnd = selfClosing ? at - 1 : at;
      return token;
    }
    const quoteEnd = text.indexOf(found[0], at + 1);
    if (quoteEnd === -1) return undefined;
    TAG_END_OR_QUOTE.lastIndex = quoteEnd + 1;
  }
}

type ResultKind = 'failure' | 'error' | 'skipped' | 'flakyFailure' | 'flakyError';
const RESULT_KINDS = new Set<string>(['failure', 'error', 'skipped', 'flakyFailure', 'flakyError']);

interface OpenCase {
  testcase: JunitCase;
  failure?: { message?: string; details: string };
  error?: { message?: string; details: string };
  skipped?: { message?: string; details: string };
  flaky?: { message?: string; details: string };
}

/**
 * The incremental parser: `push` chunks of any size (a tag or entity split across chunks is kept
 * for the next one), then `end` returns the testcases in document order.
 */
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
      const found = readToken(text, lt);
      if (found === undefined) {
        const tooLong = text.length - lt > MAX_TAG && !text.startsWith('<![CDATA[', lt) && !text.startsWith('<!--', lt);
        if (!final && !tooLong) {
          position = lt;
          break;
        }
        if (this.capture) this.append('<');
        position = lt + 1;
        continue;
      }
      if (found === INVALID) {
        if (this.capture) this.append('<');
        position = lt + 1;
        continue;
      }
      position = found.end;
      if (found.cdata !== undefined) {
        if (this.capture) this.appendRaw(found.cdata);
      } else if (found.name !== undefined) {
        this.tag(text, found);
      }
    }
    this.buffer = position >= text.length ? '' : text.slice(position);
  }

  private tag(text: string, { closing, name, selfClosing, attributesStart, attributesEnd }: Token): void {
    if (name === 'testcase') {
      if (closing) {
        this.close();
        return;
      }
      if (this.current) this.close();
      const attrs = parseAttributes(text, attributesStart, attributesEnd);
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
    if (!this.current || name === undefined || !RESULT_KINDS.has(name)) return;
    if (closing) {
      this.capture = undefined;
      return;
    }
    const kind = name as ResultKind;
    const slot = kind === 'flakyFailure' || kind === 'flakyError' ? 'flaky' : kind;
    const attrs = parseAttributes(text, attributesStart, attributesEnd);
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

/** Parse a whole report held in memory. */
export function parseJunit(xml: string): JunitCase[] {
  const parser = new JunitParser();
  parser.push(xml);
  return parser.end();
}

/** Parse a file in 4 MiB chunks; memory stays proportional to the testcases, not the file. */
export async function parseJunitFile(path: string): Promise<JunitCase[]> {
  return parseJunitStream(createReadStream(path, { encoding: 'utf8', highWaterMark: 4 * 1024 * 1024 }));
}

/** Parse JUnit XML from decoded text chunks (a utf8 stream, e.g. over an already opened file). */
export async function parseJunitStream(chunks: AsyncIterable<string>): Promise<JunitCase[]> {
  const parser = new JunitParser();
  for await (const chunk of chunks) parser.push(chunk);
  return parser.end();
}

/** `name="value"` pairs of text[start, end), without a regex: this runs once per testcase. */
function parseAttributes(text: string, start: number, end: number): Record<string, string | undefined> {
  const attrs: Record<string, string | undefined> = {};
  let at = start;
  while (at < end) {
    const equals = text.indexOf('=', at);
    if (equals === -1 || equals >= end) break;
    let open = equals + 1;
    while (
      open < end &&
      (text.charCodeAt(open) === 0x20 ||
        text.charCodeAt(open) === 0x0a ||
        text.charCodeAt(open) === 0x09 ||
        text.charCodeAt(open) === 0x0d)
    )
      open++;
    const quote = text[open];
    if (quote !== '"' && quote !== "'") break;
    const close = text.indexOf(quote, open + 1);
    if (close === -1 || close >= end) break;
    const key = text.slice(at, equals).trim();
    const value = text.slice(open + 1, close);
    attrs[key] = value.includes('&') ? decodeEntities(value) : value;
    at = close + 1;
  }
  return attrs;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decode XML's five named entities and numeric character references; others stay as written. */
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
