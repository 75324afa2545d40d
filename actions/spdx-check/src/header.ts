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
    return line !== undefined && TAG_NAME.test(this.bytes.toString('latin1', line.start));
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
  /** Tag lines found below the leading comment region (1-based line numbers). */
  strayTagLines: number[];
}

const TAG = /^SPDX-(FileCopyrightText|License-Identifier)\s*:\s*(.*)$/i;
const TAG_IN_LINE = { copyright: /SPDX-FileCopyrightText\s*:\s*/i, license: /SPDX-License-Identifier\s*:\s*/i };
const STRAY_TAG = /^\s*(?:#|\/\/|\/\*|\*|<!--|\{#|\.\.|--)\s*SPDX-(?:FileCopyrightText|License-Identifier)\s*:/i;

/** Strip the decoration of a line inside a block comment (` * ` in C, `# ` in Jinja). */
function stripInner(content: string): string {
  const trimmed = content.trimStart();
  if (trimmed.startsWith('*') || trimmed.startsWith('#')) return trimmed.slice(1).trimStart();
  return trimmed;
}

/** Strip repeated leader characters after a line comment leader (`##`, `///`, `//!`). */
function stripLeader(content: string, leader: string): string {
  let rest = content;
  const first = leader[0] as string;
  while (rest.startsWith(first)) rest = rest.slice(1);
  if (rest.startsWith('!')) rest = rest.slice(1);
  return rest.trimStart();
}

const SPDX_MARK = /spdx-/i;

/** Add the comment line's SPDX tag to `tags`, if it is one. */
function recordTag(split: SplitText, tags: TagLine[], lineIndex: number, content: string): void {
  // Most comment lines are not tags: look for "SPDX-" before running the regex (a hoisted
  // literal: a regex literal in a function is a new object on every call).
  if (!SPDX_MARK.test(content)) return;
  const match = TAG.exec(content.trim());
  if (!match) return;
  const tag: TagName = (match[1] as string).toLowerCase() === 'filecopyrighttext' ? 'copyright' : 'license';
  const text = (split.line(lineIndex) as Line).text;
  const inLine = TAG_IN_LINE[tag].exec(text);
  const valueStart = inLine ? inLine.index + inLine[0].length : text.length;
  tags.push({ tag, line: lineIndex, value: (match[2] as string).trim(), valueStart });
}

/** Walk the leading comment region of a file and collect its SPDX tag lines. */
export function scanHeader(split: SplitText, fileType: FileType): HeaderScan {
  const style = fileType.style;
  const prolog = findProlog(split, fileType.prolog);
  const tags: TagLine[] = [];

  let openBlock: BlockComment | undefined;
  let inRstComment = false;
  let index = prolog.lines;
  for (let current = split.line(index); current !== undefined; current = split.line(++index)) {
    const text = current.text;
    if (openBlock) {
      const endAt = text.indexOf(openBlock.end);
      if (endAt === -1) {
        recordTag(split, tags, index, stripInner(text));
        continue;
      }
      recordTag(split, tags, index, stripInner(text.slice(0, endAt)));
      const after = text.slice(endAt + openBlock.end.length).trim();
      openBlock = undefined;
      if (after !== '') {
        index++;
        break;
      }
      continue;
    }
    const trimmed = text.trim();
    if (trimmed === '') continue;
    const comment = commentContent(style, text, trimmed, inRstComment);
    if (comment === undefined) break;
    inRstComment = comment.rst;
    if (comment.opens) openBlock = comment.opens;
    recordTag(split, tags, index, comment.content);
    if (comment.codeAfter) {
      index++;
      break;
    }
  }
  const regionEnd = index;
  // Tags below the region matter only when the region has none (the rare, failing case).
  const strayTagLines: number[] = [];
  if (tags.length === 0 && split.mentionsTags(regionEnd)) {
    for (let at = regionEnd, line = split.line(at); line !== undefined; line = split.line(++at)) {
      if (STRAY_TAG.test(line.text)) strayTagLines.push(at + 1);
    }
  }
  return { split, prolog, regionEnd, tags, strayTagLines };
}

interface CommentLine {
  content: string;
  /** A block comment opened on this line and not closed on it. */
  opens?: BlockComment;
  /** An RST comment is open (indented lines that follow belong to it). */
  rst: boolean;
  /** Code follows a block comment closed on this line. */
  codeAfter?: boolean;
}

function commentContent(
  style: CommentStyle,
  text: string,
  trimmed: string,
  inRstComment: boolean,
): CommentLine | undefined {
  if (style.id === 'rst') {
    if (trimmed.startsWith('..')) return { content: trimmed.slice(2).trimStart(), rst: true };
    if (inRstComment && /^\s/.test(text)) return { content: trimmed, rst: true };
    return undefined;
  }
  for (const block of style.blocks) {
    if (!trimmed.startsWith(block.start)) continue;
    const rest = trimmed.slice(block.start.length);
    const endAt = rest.indexOf(block.end);
    if (endAt === -1) return { content: stripInner(rest), opens: block, rst: false };
    const after = rest.slice(endAt + block.end.length).trim();
    return { content: stripInner(rest.slice(0, endAt)), rst: false, codeAfter: after !== '' };
  }
  for (const leader of style.lines) {
    if (trimmed.startsWith(leader)) return { content: stripLeader(trimmed.slice(leader.length), leader), rst: false };
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
