/**
 * The header model: split the first bytes of a file into lines (keeping exact byte offsets, so
 * a fix can edit bytes without re-encoding anything), skip the prolog, walk the leading comment
 * region in the file's comment syntax, and pick out the SPDX tag lines. Pure.
 *
 * A header is found only in the leading comment region: after the prolog, everything up to the
 * first line that is neither blank nor a comment. Tag lines further down are reported as
 * "not at the top" rather than accepted (upstream accepts them anywhere in the file).
 */
import type { BlockComment, CommentStyle, FileType, PrologKind } from './filetypes.js';

export interface Line {
  /** Decoded text without the line ending. */
  text: string;
  /** Byte offset of the first byte of the line. */
  start: number;
  /** Byte offset just past the line ending (equal to `start + bytes of text` when there is none). */
  next: number;
  eol: '' | '\n' | '\r\n';
}

const TAG_NAME = /SPDX-(?:FileCopyrightText|License-Identifier)/i;
/** `dx-` in each case: every tag name holds one (searched natively, before any decoding). */
const DX = ['dx-', 'DX-', 'Dx-', 'dX-'].map((text) => Buffer.from(text));

/** Whether an SPDX tag name may appear in `bytes` from `from` on (no false "no"). */
export function mayMentionTags(bytes: Buffer, from: number): boolean {
  return DX.some((needle) => bytes.indexOf(needle, from) !== -1);
}

/**
 * Characters that can start a comment or a prolog line in some comment style: `#` `/` `<` `{`
 * `.` `-` `+` `%` (and any non-ASCII one, which may be a space to `trim`).
 */
const MAY_START_COMMENT = new Uint8Array(256);
for (const character of '#/<{.-+%') MAY_START_COMMENT[character.charCodeAt(0)] = 1;
MAY_START_COMMENT.fill(1, 0x80);

/**
 * Where the first line of code starts when a file's first non-blank character can start neither
 * a comment nor a prolog in any style (`int`, `import`, `package`, `{`...): such a file has no
 * leading comment region and no prolog, so the general scan's verdict is `missing-header` at line
 * 1 unless a tag name appears further down. -1 when the bytes do not say so.
 */
export function codeStart(bytes: Buffer): number {
  let at = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (; at < bytes.length; at++) {
    const byte = bytes[at] as number;
    // ASCII whitespace, as `trim` sees it (blank lines are skipped by the walk).
    if (byte === 32 || (byte >= 9 && byte <= 13)) continue;
    return MAY_START_COMMENT[byte] === 1 ? -1 : at;
  }
  return -1;
}

/**
 * The lines of a file's first bytes, decoded lazily: a header check usually stops at the first
 * line of code, so most of the 4 KiB are never turned into strings.
 */
export class SplitText {
  /** The file starts with a UTF-8 byte order mark (kept by fixes). */
  readonly bom: boolean;
  private readonly lines: Line[] = [];
  private position: number;

  /** `complete` says the bytes are the whole file; otherwise a last partial line is dropped. */
  constructor(
    private readonly bytes: Buffer,
    readonly complete: boolean,
  ) {
    this.bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    this.position = this.bom ? 3 : 0;
  }

  /** The line at `index` (0-based), or undefined past the end. */
  line(index: number): Line | undefined {
    while (this.lines.length <= index && this.position < this.bytes.length) this.decodeNext();
    return this.lines[index];
  }

  /**
   * Whether an SPDX tag name appears anywhere from line `index` on. A file without a header is
   * searched for tags further down; this answers "none" with one search instead of a string per
   * line. Latin-1 maps each byte to one character, so the ASCII tag names are found exactly.
   */
  mentionsTags(index: number): boolean {
    const line = this.line(index);
    if (line === undefined) return false;
    const { bytes } = this;
    if (!mayMentionTags(bytes, line.start)) return false;
    return TAG_NAME.test(bytes.toString('latin1', line.start));
  }

  private decodeNext(): void {
    const { bytes, position } = this;
    const newline = bytes.indexOf(10, position);
    if (newline === -1) {
      if (this.complete)
        this.lines.push({ text: bytes.toString('utf8', position), start: position, next: bytes.length, eol: '' });
      this.position = bytes.length;
      return;
    }
    const crlf = newline > position && bytes[newline - 1] === 13;
    this.lines.push({
      text: bytes.toString('utf8', position, crlf ? newline - 1 : newline),
      start: position,
      next: newline + 1,
      eol: crlf ? '\r\n' : '\n',
    });
    this.position = newline + 1;
  }
}

/** Split bytes into lines at `\n`, keeping `\r\n` endings exact. `complete` says the bytes are the whole file. */
export function splitLines(bytes: Buffer, complete: boolean): SplitText {
  return new SplitText(bytes, complete);
}

export interface Prolog {
  /** Number of lines that must stay first. */
  lines: number;
  /** The prolog must be followed by a blank line (Go build constraints). */
  needsBlankAfter: boolean;
  /** False when the prolog runs past the bytes read (front matter longer than 4 KiB): fix mode stays out. */
  complete: boolean;
}

const PYTHON_ENCODING = /^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+/;
const DOCKER_DIRECTIVE = /^#\s*(syntax|escape|check)\s*=/i;
const GO_BUILD = /^\/\/(go:build\s|\s*\+build\s)/;

/** How many leading lines form the prolog for this file type. */
export function findProlog(lines: SplitText, kinds: readonly PrologKind[]): Prolog {
  // Most types (C, C++, CUDA, Rust, ...) have no prolog at all.
  if (kinds.length === 0) return { lines: 0, needsBlankAfter: false, complete: true };
  let index = 0;
  const has = (kind: PrologKind) => kinds.includes(kind);
  const text = (at: number) => lines.line(at)?.text;
  let needsBlankAfter = false;
  let complete = true;

  if (has('shebang') && text(0)?.startsWith('#!') && !text(0)?.startsWith('#![')) index = 1;
  if (has('python-encoding')) {
    const candidate = text(index);
    if (index <= 1 && candidate !== undefined && PYTHON_ENCODING.test(candidate)) index++;
  }
  if (has('docker-directives') && index === 0) {
    while (text(index) !== undefined && DOCKER_DIRECTIVE.test(text(index) as string)) index++;
  }
  if (has('xml-declaration') && index === 0 && text(0)?.trimStart().startsWith('<?xml')) {
    let end = 0;
    while (text(end) !== undefined && !(text(end) as string).includes('?>')) end++;
    if (text(end) !== undefined) index = end + 1;
  }
  if (has('doctype') && /^\s*<!doctype\b/i.test(text(index) ?? '')) index++;
  if (has('front-matter') && index === 0) {
    const fence = text(0)?.trimEnd();
    if (fence === '---' || fence === '+++') {
      let at = 1;
      for (; text(at) !== undefined; at++) {
        const closing = (text(at) as string).trimEnd();
        if (closing === fence || (fence === '---' && closing === '...')) {
          index = at + 1;
          break;
        }
      }
      // Unclosed within the bytes read: all of it is prolog, and its end is unknown.
      if (index === 0 && !lines.complete) {
        index = at;
        complete = false;
      }
    }
  }
  if (has('yaml-document')) {
    let at = index;
    while (text(at)?.startsWith('%')) at++;
    if (/^---(\s|$)/.test(text(at) ?? '')) index = at + 1;
    else if (at > index) index = at;
  }
  if (has('go-build') && index === 0) {
    while (text(index) !== undefined && GO_BUILD.test(text(index) as string)) index++;
    needsBlankAfter = index > 0;
  }
  return { lines: index, needsBlankAfter, complete };
}

export type TagName = 'copyright' | 'license';

export interface TagLine {
  tag: TagName;
  /** Index into `lines`. */
  line: number;
  /** The value after `Tag:`, trimmed, without a closing block marker. */
  value: string;
  /** Character index in the line's text where the value starts. */
  valueStart: number;
}

export interface HeaderScan {
  split: SplitText;
  prolog: Prolog;
  /** Index of the first line after the leading comment region. */
  regionEnd: number;
  tags: TagLine[];
  /**
   * The region's comment lines with content, as triples: line index, and where the content starts
   * and ends in the line's text (numbers, not objects: most scans never read them).
   */
  comments: number[];
  /**
   * The region ends at a whole line of code (not at the end of the bytes read, nor after a block
   * closed on a line of code): its verdict depends on nothing after that line but stray tags.
   */
  endsAtCode: boolean;
  /** Tag lines found below the leading comment region (1-based line numbers). */
  strayTagLines: number[];
}

const TAG = /^SPDX-(FileCopyrightText|License-Identifier)\s*:\s*(.*)$/i;
const TAG_IN_LINE = { copyright: /SPDX-FileCopyrightText\s*:\s*/i, license: /SPDX-License-Identifier\s*:\s*/i };
const STRAY_TAG = /^\s*(?:#|\/\/|\/\*|\*|<!--|\{#|\.\.|--)\s*SPDX-(?:FileCopyrightText|License-Identifier)\s*:/i;

const SPDX_MARK = /spdx-/i;

/** Add the comment line's SPDX tag to `tags`, if it is one. */
function recordTag(tags: TagLine[], lineIndex: number, text: string, start: number, end: number): void {
  // Most comment lines are not tags: look for "SPDX-" in the line before slicing it or running
  // the tag regex (a hoisted literal: a regex literal in a function is a new object per call).
  if (!SPDX_MARK.test(text)) return;
  const match = TAG.exec(text.slice(start, end));
  if (!match) return;
  const tag: TagName = (match[1] as string).toLowerCase() === 'filecopyrighttext' ? 'copyright' : 'license';
  const inLine = TAG_IN_LINE[tag].exec(text);
  const valueStart = inLine ? inLine.index + inLine[0].length : text.length;
  tags.push({ tag, line: lineIndex, value: (match[2] as string).trim(), valueStart });
}

/**
 * Called for each comment line of the leading region with the line's index and text, and where
 * in the text its content (without comment syntax and surrounding whitespace) starts and ends.
 */
export type CommentVisitor = (lineIndex: number, text: string, start: number, end: number) => void;

/** Walk the leading comment region of a file and collect its SPDX tag lines. */
export function scanHeader(split: SplitText, fileType: FileType): HeaderScan {
  const prolog = findProlog(split, fileType.prolog);
  const tags: TagLine[] = [];
  const comments: number[] = [];
  const walk = walkComments(split, fileType.style, prolog.lines, (lineIndex, text, start, end) => {
    if (end > start) comments.push(lineIndex, start, end);
    recordTag(tags, lineIndex, text, start, end);
  });
  const regionEnd = walk.end;
  // Tags below the region matter only when the region has none (the rare, failing case).
  const strayTagLines: number[] = [];
  if (tags.length === 0 && split.mentionsTags(regionEnd)) {
    for (let at = regionEnd, line = split.line(at); line !== undefined; line = split.line(++at)) {
      if (STRAY_TAG.test(line.text)) strayTagLines.push(at + 1);
    }
  }
  return { split, prolog, regionEnd, tags, comments, endsAtCode: walk.atCode, strayTagLines };
}

/**
 * Visit every comment line from line `from` to the end of the leading comment region (the first
 * line that is neither blank nor a comment), and return the index of that line, and whether the
 * walk stopped there because it is a line of code.
 */
function walkComments(
  split: SplitText,
  style: CommentStyle,
  from: number,
  visit: CommentVisitor,
): { end: number; atCode: boolean } {
  let openBlock: BlockComment | undefined;
  let inRstComment = false;
  let index = from;
  for (let current = split.line(index); current !== undefined; current = split.line(++index)) {
    const text = current.text;
    if (openBlock) {
      const endAt = text.indexOf(openBlock.end);
      if (endAt === -1) {
        visitInner(visit, index, text, 0, text.length);
        continue;
      }
      visitInner(visit, index, text, 0, endAt);
      const closed = endAt + openBlock.end.length;
      openBlock = undefined;
      if (!isBlankFrom(text, closed)) return { end: index + 1, atCode: false };
      continue;
    }
    const first = skipSpace(text, 0, text.length);
    if (first === text.length) continue;
    const comment = commentLine(style, text, first, inRstComment, visit, index);
    if (comment === undefined) return { end: index, atCode: true };
    inRstComment = comment.rst;
    if (comment.opens) openBlock = comment.opens;
    if (comment.codeAfter) return { end: index + 1, atCode: false };
  }
  return { end: index, atCode: false };
}

const IGNORE: CommentVisitor = () => {};

/**
 * A line that ends a leading comment region (outside any block or RST comment): not blank, not
 * a comment in `style`.
 */
export function isCodeLine(text: string, style: CommentStyle): boolean {
  const first = skipSpace(text, 0, text.length);
  return first < text.length && commentLine(style, text, first, false, IGNORE, 0) === undefined;
}

function skipSpace(text: string, at: number, end: number): number {
  let index = at;
  while (index < end && isSpace(text.charCodeAt(index))) index++;
  return index;
}

function trimEndAt(text: string, start: number, end: number): number {
  let index = end;
  while (index > start && isSpace(text.charCodeAt(index - 1))) index--;
  return index;
}

/** `String.prototype.trim`'s whitespace, for the characters comment lines hold. */
function isSpace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    code === 0xfeff ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0x1680
  );
}

function isBlankFrom(text: string, at: number): boolean {
  return skipSpace(text, at, text.length) === text.length;
}

/** A line inside a block comment: its decoration (` * ` in C, `# ` in Jinja) is not content. */
function visitInner(visit: CommentVisitor, index: number, text: string, from: number, to: number): void {
  let start = skipSpace(text, from, to);
  const first = text.charCodeAt(start);
  if (start < to && (first === 42 || first === 35)) start = skipSpace(text, start + 1, to);
  visit(index, text, start, trimEndAt(text, start, to));
}

interface CommentLine {
  /** A block comment opened on this line and not closed on it. */
  opens?: BlockComment;
  /** An RST comment is open (indented lines that follow belong to it). */
  rst: boolean;
  /** Code follows a block comment closed on this line. */
  codeAfter?: boolean;
}

const NOT_RST: CommentLine = Object.freeze({ rst: false });
const IN_RST: CommentLine = Object.freeze({ rst: true });

/** The comment on a line whose first non-blank character is at `first`, visited, or undefined for code. */
function commentLine(
  style: CommentStyle,
  text: string,
  first: number,
  inRstComment: boolean,
  visit: CommentVisitor,
  index: number,
): CommentLine | undefined {
  const end = trimEndAt(text, first, text.length);
  if (style.id === 'rst') {
    if (text.startsWith('..', first)) {
      const start = skipSpace(text, first + 2, end);
      visit(index, text, start, end);
      return IN_RST;
    }
    if (inRstComment && first > 0) {
      visit(index, text, first, end);
      return IN_RST;
    }
    return undefined;
  }
  for (const block of style.blocks) {
    if (!text.startsWith(block.start, first)) continue;
    const rest = first + block.start.length;
    const endAt = text.indexOf(block.end, rest);
    if (endAt === -1 || endAt >= end) {
      visitInner(visit, index, text, rest, end);
      return { opens: block, rst: false };
    }
    visitInner(visit, index, text, rest, endAt);
    return isBlankFrom(text, endAt + block.end.length) ? NOT_RST : { rst: false, codeAfter: true };
  }
  for (const leader of style.lines) {
    if (!text.startsWith(leader, first)) continue;
    // Repeated leader characters (`##`, `///`) and Rust's `//!` are part of the leader.
    let start = first + leader.length;
    const repeated = leader.charCodeAt(0);
    while (start < end && text.charCodeAt(start) === repeated) start++;
    if (text.charCodeAt(start) === 33) start++;
    start = skipSpace(text, start, end);
    visit(index, text, start, end);
    return NOT_RST;
  }
  return undefined;
}

/** The header lines to write for a file type (without line endings). */
export function renderHeader(style: CommentStyle, years: string, holder: string, license: string): string[] {
  const copyright = `SPDX-FileCopyrightText: Copyright (c) ${years} ${holder}`;
  const identifier = `SPDX-License-Identifier: ${license}`;
  if (style.write.kind === 'line') {
    const leader = style.write.leader;
    return [`${leader} ${copyright}`, `${leader} ${identifier}`];
  }
  const block = style.write.block;
  return [block.start, `${block.inner}${copyright}`, `${block.inner}${identifier}`, block.closing];
}
