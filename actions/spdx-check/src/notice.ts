/**
 * Headers written before SPDX tags: a file whose leading comments carry no SPDX tag but a
 * copyright line or a license text. A known text (known-texts.ts) under an accepted holder (or
 * under none) is a `legacy-header` that fix mode converts in place, keeping the years and the
 * holder it finds; a notice of another holder only (`third-party-notice`) or one whose text is
 * not known (`unknown-license-text`) needs a person, and fix mode never puts our header above
 * it. Pure.
 */
import { type Finding, type Inspection, inspect, isPolicyHolder, type Policy, parseCopyright } from './check.js';
import type { HeaderScan, Line } from './header.js';
import { KNOWN_TEXTS, LICENSE_WORDS, NOTICE_MARK } from './known-texts.js';

/** A comment line's content: `text.slice(start, end)` of line `line`. */
export interface Span {
  line: number;
  text: string;
  start: number;
  end: number;
}

export interface CopyrightNotice {
  span: Span;
  /** The years as written (`2020-2023`), when they parse, and the last of them. */
  years?: string;
  lastYear?: number;
  holder: string;
  /** The holder is one of the policy's. */
  ours: boolean;
}

export interface Notice {
  copyrights: CopyrightNotice[];
  /** The known license text, from the start of its first line to the end of its last. */
  text?: { name: string; license: string; first: Span; last: Span };
  /** Lines that only say `All rights reserved.` after a copyright line (removed with it). */
  reserved: Span[];
  /** What the converted header says: the license, and the years and holder of our copyright line. */
  license: string;
  years?: string;
  /** The end year of `years`, for the year rule. */
  lastYear?: number;
  holder?: string;
}

const COPYRIGHT_START = /^(?:copyright\b|\(c\)|©)/i;
const RESERVED_LINE = /^all rights reserved\.?$/i;

/**
 * The general scan's verdict, with a file that has no SPDX tag at the top read for an older
 * notice: `inspect` says `missing-header`, this says what kind of header it has instead.
 */
export function inspectWithNotice(scan: HeaderScan, policy: Policy): Inspection {
  const inspection = inspect(scan, policy);
  const only = inspection.findings[0];
  if (only?.kind !== 'missing-header' || scan.comments.length === 0) return inspection;
  return readNotice(scan, policy) ?? inspection;
}

function readNotice(scan: HeaderScan, policy: Policy): Inspection | undefined {
  const { comments, split } = scan;
  const lines = comments.length / 3;
  if (lines === 0) return undefined;
  const textOf = (index: number) => (split.line(comments[index * 3] as number) as Line).text;
  const span = (index: number): Span => ({
    line: comments[index * 3] as number,
    text: textOf(index),
    start: comments[index * 3 + 1] as number,
    end: comments[index * 3 + 2] as number,
  });
  // One string of the comments' words, and where each line's content starts in it.
  const offsets: number[] = new Array(lines);
  let joined = '';
  for (let index = 0; index < lines; index++) {
    if (index > 0) joined += ' ';
    offsets[index] = joined.length;
    joined += textOf(index).slice(comments[index * 3 + 1], comments[index * 3 + 2]);
  }

  let text: Notice['text'];
  let clean = true;
  let textName = '';
  let textSpans: [number, number] | undefined;
  const lower = joined.toLowerCase();
  for (const known of KNOWN_TEXTS) {
    if (!lower.includes(known.hint)) continue;
    const match = known.pattern.exec(joined);
    const license = match ? known.license(match[0]) : undefined;
    if (!match || license === undefined) continue;
    const from = match.index;
    const to = from + match[0].length;
    const first = pieceAt(offsets, from);
    const last = pieceAt(offsets, to - 1);
    const firstSpan = span(first);
    const lastSpan = span(last);
    // The text must fill its lines: a conversion replaces whole lines' content.
    const lastEnd = (offsets[last] as number) + (lastSpan.end - lastSpan.start);
    clean = from === offsets[first] && /^[\s.,;:]*$/.test(joined.slice(to, lastEnd));
    text = { name: known.name, license, first: firstSpan, last: lastSpan };
    textName = known.name;
    textSpans = [first, last];
    break;
  }

  const copyrights: CopyrightNotice[] = [];
  const reserved: Span[] = [];
  let otherWords = false;
  for (let index = 0; index < lines; index++) {
    if (textSpans && index >= textSpans[0] && index <= textSpans[1]) continue;
    const content = joined.slice(offsets[index], index + 1 < lines ? (offsets[index + 1] as number) - 1 : undefined);
    if (COPYRIGHT_START.test(content)) {
      copyrights.push(copyrightNotice(span(index), content, policy));
    } else if (RESERVED_LINE.test(content) && copyrights.length > 0) {
      reserved.push(span(index));
    } else if (LICENSE_WORDS.test(content)) {
      otherWords = true;
    }
  }

  // Comments that hold neither a known text nor notice wording are no header at all.
  if (!text && copyrights.length === 0 && !NOTICE_MARK.test(joined)) return undefined;
  const line = (comments[0] as number) + 1;
  const ours = copyrights.find((copyright) => copyright.ours);
  const other = copyrights.find((copyright) => !copyright.ours);
  const quotedText = text ? ` (${text.license}, ${textName})` : '';
  let finding: Finding;
  if (other && !ours) {
    finding = {
      kind: 'third-party-notice',
      line: other.span.line + 1,
      message: `a copyright notice of ${JSON.stringify(other.holder)}${quotedText} and no SPDX tags: if the file is third-party, add it to ignore; if the holder is yours, add it to copyright-holder`,
      holder: other.holder,
    };
    if (text) finding.license = text.license;
    return { findings: [finding] };
  }
  if (text && clean && !otherWords) {
    const allowed = policy.licenses.includes(text.license)
      ? ''
      : ` (not an allowed license: add it to license to accept it)`;
    finding = {
      kind: 'legacy-header',
      line: text.first.line + 1,
      message: `known license text found${quotedText} and no SPDX tags; fix: true converts it${ours?.years ? ', keeping its years' : ''}${allowed}`,
      license: text.license,
    };
    return withNotice(finding, { copyrights, text, reserved, license: text.license, ...ourHeader(ours) });
  }
  if (!text && ours && !otherWords) {
    const license = policy.licenses[0] as string;
    finding = {
      kind: 'legacy-header',
      line: ours.span.line + 1,
      message: `a copyright notice without SPDX tags; fix: true converts it${ours.years ? ', keeping its years' : ''} and adds SPDX-License-Identifier: ${license}`,
    };
    return withNotice(finding, { copyrights, reserved, license, ...ourHeader(ours) });
  }
  const why = text
    ? clean
      ? `the ${textName} comes with more license wording`
      : `the ${textName} shares its lines with other text`
    : 'a license or copyright notice that is not a known license text';
  finding = {
    kind: 'unknown-license-text',
    line,
    message: `${why}, and no SPDX tags: write the SPDX header by hand (or add the file to ignore if it is third-party)`,
  };
  if (text) finding.license = text.license;
  return { findings: [finding] };
}

function withNotice(finding: Finding, notice: Notice): Inspection {
  return { findings: [finding], license: notice.license, notice };
}

function ourHeader(ours: CopyrightNotice | undefined): Pick<Notice, 'years' | 'lastYear' | 'holder'> {
  if (!ours) return {};
  if (ours.years === undefined) return { holder: ours.holder };
  return { years: ours.years, lastYear: ours.lastYear, holder: ours.holder };
}

function copyrightNotice(span: Span, content: string, policy: Policy): CopyrightNotice {
  const parsed = parseCopyright({ tag: 'copyright', line: span.line, value: content, valueStart: span.start });
  if (!parsed?.years || parsed.holder === '') {
    // No year (or no holder after it): the holder is what follows the copyright sign.
    const holder = content.replace(/^(?:copyright\b\s*)?(?:(?:\(c\)|©)\s*)?/i, '');
    return { span, holder, ours: holder !== '' && isPolicyHolder(holder, policy) };
  }
  const yearsEnd = parsed.years.lastPart.end - span.start;
  const holder = content.slice(yearsEnd).replace(/^\s*,?\s*/, '');
  // The years as the line writes them (`2020-2023`, `2019, 2021`), from the first to the last.
  const years = content.slice(content.search(/\d{4}/), yearsEnd);
  return { span, years, lastYear: parsed.years.last, holder, ours: isPolicyHolder(holder, policy) };
}

/** Index of the content piece that holds offset `at` of the joined text. */
function pieceAt(offsets: readonly number[], at: number): number {
  let low = 0;
  let high = offsets.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((offsets[middle] as number) <= at) low = middle;
    else high = middle - 1;
  }
  return low;
}
