/**
 * Fix mode as byte splices: insert a missing header (or the one missing tag line) after the
 * prolog, convert an older header (a known license text, a copyright line) into SPDX tags in
 * place, or extend a stale year in place. Every other byte of the file is kept: the BOM, CRLF or
 * LF endings (the file's own), a missing final newline. Pure: bytes in, bytes out.
 */
import type { Finding, Inspection, Policy } from './check.js';
import type { BlockComment, FileType } from './filetypes.js';
import { type HeaderScan, type Line, renderHeader, type SplitText } from './header.js';
import type { CopyrightNotice, Notice, Span } from './notice.js';

interface Splice {
  at: number;
  remove: number;
  insert: string;
}

export interface FixPlan {
  /** The fixed bytes, or undefined when nothing could be fixed. */
  bytes?: Buffer;
  /** Findings the plan repairs. */
  fixed: Finding[];
}

export interface FixContext {
  fileType: FileType;
  policy: Policy;
  /** The year written into an inserted header and the end year a stale header is extended to. */
  year: number;
}

/** The file's own line ending: that of its first line, LF when it has none. */
export function lineEnding(bytes: Buffer): '\n' | '\r\n' {
  const newline = bytes.indexOf(10);
  return newline > 0 && bytes[newline - 1] === 13 ? '\r\n' : '\n';
}

function isBlankAt(bytes: Buffer, at: number): boolean {
  for (let index = at; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === 10) return true;
    if (byte !== 32 && byte !== 9 && byte !== 13) return false;
  }
  return true;
}

/** A line's text re-encodes to its exact bytes (no invalid UTF-8 that decoding would have replaced). */
function roundTrips(bytes: Buffer, line: Line): boolean {
  const encoded = Buffer.from(line.text, 'utf8');
  const end = line.start + encoded.length;
  return end <= bytes.length && encoded.equals(bytes.subarray(line.start, end));
}

/**
 * Plan the fixes for the findings of a scan made of these same bytes. `scan` must come from
 * `scanHeader(splitLines(bytes...))` over a prefix of `bytes`.
 */
export function planFix(
  bytes: Buffer,
  scan: HeaderScan,
  inspection: Inspection,
  findings: readonly Finding[],
  context: FixContext,
): FixPlan {
  const eol = lineEnding(bytes);
  const lines = scan.split;
  const license = context.policy.licenses[0] as string;
  const holder = context.policy.holders[0] as string;
  const splices: Splice[] = [];
  const fixed: Finding[] = [];
  const kinds = new Set(findings.map((finding) => finding.kind));

  if (kinds.has('missing-header') && scan.prolog.complete) {
    const header = renderHeader(context.fileType.style, String(context.year), holder, license);
    splices.push(insertHeader(bytes, scan, header, eol));
    fixed.push(...findings.filter((finding) => finding.kind === 'missing-header'));
  }

  if (kinds.has('missing-license') || kinds.has('missing-copyright')) {
    const missing = kinds.has('missing-license') ? 'license' : 'copyright';
    const present = scan.tags.find((tag) => tag.tag !== missing);
    const line = present ? lines.line(present.line) : undefined;
    if (present && line && roundTrips(bytes, line)) {
      const text =
        missing === 'license'
          ? `SPDX-License-Identifier: ${license}`
          : `SPDX-FileCopyrightText: Copyright (c) ${context.year} ${holder}`;
      const tagAt = line.text.search(/SPDX-/i);
      const newLine = siblingLine(
        line.text.slice(0, tagAt),
        line.text.slice(tagAt),
        text,
        context.fileType.style.blocks,
      );
      if (missing === 'license') {
        splices.push(
          line.eol === ''
            ? { at: line.next, remove: 0, insert: eol + newLine }
            : { at: line.next, remove: 0, insert: newLine + line.eol },
        );
      } else {
        splices.push({ at: line.start, remove: 0, insert: newLine + (line.eol || eol) });
      }
      fixed.push(...findings.filter((finding) => finding.kind === `missing-${missing}`));
    }
  }

  const legacy = findings.find((finding) => finding.kind === 'legacy-header');
  if (legacy && inspection.notice) {
    const converted = convertNotice(bytes, lines, inspection.notice, context, eol);
    if (converted) {
      splices.push(...converted);
      fixed.push(legacy);
    }
  }

  const stale = findings.find((finding) => finding.kind === 'stale-year');
  if (stale && inspection.copyright) {
    const line = lines.line(inspection.copyright.line) as Line;
    if (roundTrips(bytes, line)) {
      const part = inspection.copyright.years.lastPart;
      const at = line.start + Buffer.byteLength(line.text.slice(0, part.start), 'utf8');
      const remove = Buffer.byteLength(line.text.slice(part.start, part.end), 'utf8');
      splices.push({ at, remove, insert: `${part.from}-${context.year}` });
      fixed.push(stale);
    }
  }

  if (splices.length === 0) return { fixed: [] };
  return { bytes: applySplices(bytes, splices), fixed };
}

/**
 * A tag line written like an existing line whose comment syntax is `prefix` (and whose content
 * and any block end are `rest`): the same indentation and comment leader. When the existing line
 * opens a block (`/* SPDX-... `), the new line uses the block's inner decoration, or is its own
 * one-line block when the existing one closes on the same line.
 */
function siblingLine(prefix: string, rest: string, tagText: string, blocks: readonly BlockComment[]): string {
  const trimmedPrefix = prefix.trim();
  const block = blocks.find((candidate) => trimmedPrefix === candidate.start);
  if (!block) return prefix + tagText;
  if (rest.includes(block.end)) return `${prefix}${tagText} ${block.end}`;
  const indent = prefix.slice(0, prefix.length - prefix.trimStart().length);
  return `${indent}${block.inner}${tagText}`;
}

/**
 * An older header as SPDX tags, in place: each copyright line becomes an `SPDX-FileCopyrightText`
 * line with its own years and holder, the license text becomes one `SPDX-License-Identifier` line
 * (after a copyright line of ours when the notice had none), or a notice that is only a copyright
 * line gets the license line after it. Comment syntax, other comment lines and the rest of the
 * file stay. Undefined when a line is not valid UTF-8 (its bytes could not be kept exactly).
 */
function convertNotice(
  bytes: Buffer,
  lines: SplitText,
  notice: Notice,
  context: FixContext,
  eol: string,
): Splice[] | undefined {
  const spans = [...notice.copyrights.map((copyright) => copyright.span), ...notice.reserved];
  if (notice.text) spans.push(notice.text.first, notice.text.last);
  const lineOf = (span: Span) => lines.line(span.line) as Line;
  if (!spans.every((span) => roundTrips(bytes, lineOf(span)))) return undefined;
  const byteAt = (span: Span, index: number) => lineOf(span).start + Buffer.byteLength(span.text.slice(0, index));
  const blocks = context.fileType.style.blocks;
  const splices: Splice[] = [];

  const copyrights = [...notice.copyrights].sort((a, b) => a.span.line - b.span.line);
  const suffixed = new Set<CopyrightNotice>();
  for (const reserved of notice.reserved) {
    // `All rights reserved.` on a line of its own joins the copyright line above it.
    const owner = copyrights.filter((copyright) => copyright.span.line < reserved.line).pop();
    if (owner) suffixed.add(owner);
    const line = lineOf(reserved);
    splices.push({ at: line.start, remove: line.next - line.start, insert: '' });
  }
  for (const copyright of copyrights) {
    const { span } = copyright;
    let value: string;
    if (copyright.years !== undefined || copyright.ours) {
      const holder = suffixed.has(copyright) ? withRightsReserved(copyright.holder) : copyright.holder;
      value = `Copyright (c) ${copyright.years ?? context.year} ${holder}`;
    } else {
      value = span.text.slice(span.start, span.end);
    }
    const at = byteAt(span, span.start);
    splices.push({ at, remove: byteAt(span, span.end) - at, insert: `SPDX-FileCopyrightText: ${value}` });
  }

  const licenseTag = `SPDX-License-Identifier: ${notice.license}`;
  if (notice.text) {
    const { first, last } = notice.text;
    let insert = licenseTag;
    if (!copyrights.some((copyright) => copyright.ours)) {
      const ours = `SPDX-FileCopyrightText: Copyright (c) ${context.year} ${context.policy.holders[0]}`;
      const decoration = siblingLine(first.text.slice(0, first.start), '', '', blocks);
      insert = `${ours}${lineOf(first).eol || eol}${decoration}${licenseTag}`;
    }
    const at = byteAt(first, first.start);
    splices.push({ at, remove: byteAt(last, last.end) - at, insert });
  } else {
    const ours = copyrights.filter((copyright) => copyright.ours).pop() as CopyrightNotice;
    const { span } = ours;
    const line = lineOf(span);
    const newLine = siblingLine(span.text.slice(0, span.start), span.text.slice(span.start), licenseTag, blocks);
    splices.push(
      line.eol === ''
        ? { at: line.next, remove: 0, insert: eol + newLine }
        : { at: line.next, remove: 0, insert: newLine + line.eol },
    );
  }
  return splices;
}

function withRightsReserved(holder: string): string {
  if (/all rights reserved\.?$/i.test(holder)) return holder;
  return `${holder}${holder.endsWith('.') ? '' : '.'} All rights reserved.`;
}

function insertHeader(bytes: Buffer, scan: HeaderScan, header: readonly string[], eol: string): Splice {
  const lines = scan.split;
  const bom = lines.bom;
  const prologLines = scan.prolog.lines;
  let at = bom ? 3 : 0;
  let before = '';
  if (prologLines > 0) {
    const last = lines.line(prologLines - 1) as Line;
    at = last.next;
    if (last.eol === '') before = eol;
    const following = lines.line(prologLines);
    if (following && following.text.trim() === '' && following.eol !== '') at = following.next;
    else if (scan.prolog.needsBlankAfter) before += eol;
  }
  const body = header.join(eol);
  if (at >= bytes.length) {
    // The header becomes the end of the file: end it with a newline only if the file ended with one.
    const endsWithNewline = bytes.length > 0 && bytes[bytes.length - 1] === 10 && before === '';
    return { at, remove: 0, insert: before + body + (endsWithNewline ? eol : '') };
  }
  const separator = isBlankAt(bytes, at) ? '' : eol;
  return { at, remove: 0, insert: before + body + eol + separator };
}

function applySplices(bytes: Buffer, splices: readonly Splice[]): Buffer {
  // An insertion goes before a removal that starts where it does.
  const ordered = [...splices].sort((a, b) => a.at - b.at || a.remove - b.remove);
  const parts: Buffer[] = [];
  let position = 0;
  for (const splice of ordered) {
    parts.push(bytes.subarray(position, splice.at), Buffer.from(splice.insert, 'utf8'));
    position = splice.at + splice.remove;
  }
  parts.push(bytes.subarray(position));
  return Buffer.concat(parts);
}
