/**
 * Judging a scanned header against the policy (holder, allowed licenses, year rule). Pure. The
 * year is judged in a second step because the required year may come from history (one git pass
 * over every file that needs it) after all headers were read.
 */
import type { HeaderScan, TagLine } from './header.js';
import { checkLicense } from './license.js';
import type { Notice } from './notice.js';

export type FindingKind =
  | 'missing-header'
  | 'header-not-at-top'
  | 'missing-copyright'
  | 'missing-license'
  | 'missing-year'
  | 'bad-years'
  | 'holder-mismatch'
  | 'invalid-license'
  | 'license-not-allowed'
  | 'stale-year'
  | 'legacy-header'
  | 'unknown-license-text'
  | 'third-party-notice'
  | 'unknown-type';

export const FINDING_TITLES: Readonly<Record<FindingKind, string>> = {
  'missing-header': 'SPDX header missing',
  'header-not-at-top': 'SPDX header not at the top',
  'missing-copyright': 'SPDX-FileCopyrightText missing',
  'missing-license': 'SPDX-License-Identifier missing',
  'missing-year': 'Copyright year missing',
  'bad-years': 'Copyright years malformed',
  'holder-mismatch': 'Copyright holder differs',
  'invalid-license': 'Invalid SPDX license expression',
  'license-not-allowed': 'License not allowed',
  'stale-year': 'Copyright year out of date',
  'legacy-header': 'Known license text without SPDX tags',
  'unknown-license-text': 'Unknown license text',
  'third-party-notice': 'Notice of another holder',
  'unknown-type': 'Unknown file type',
};

/** Findings fix mode repairs; the rest need a person (a license or holder is a legal statement). */
export const FIXABLE: ReadonlySet<FindingKind> = new Set([
  'missing-header',
  'missing-copyright',
  'missing-license',
  'stale-year',
  'legacy-header',
]);

export interface Finding {
  kind: FindingKind;
  /** 1-based line for the annotation. */
  line: number;
  message: string;
  /**
   * The license the finding is about: the expression of `invalid-license` (a correction is
   * suggested) and `license-not-allowed`, the license a known text stands for.
   */
  license?: string;
  /** The other holder named (`holder-mismatch`, `third-party-notice`). */
  holder?: string;
}

export interface Policy {
  /**
   * Accepted holders (the text after the years), compared by `holderKey`; the first is the one
   * fix mode writes.
   */
  holders: readonly string[];
  /** Allowed license expressions, normalised by `checkLicense`. */
  licenses: readonly string[];
}

export interface Years {
  first: number;
  last: number;
  /** Character range, in the line's text, of the last `YYYY` or `YYYY-YYYY` part (what a fix rewrites). */
  lastPart: { start: number; end: number; from: number };
}

export interface Inspection {
  findings: readonly Finding[];
  /** The copyright line that names the holder, when there is one with valid years. */
  copyright?: { line: number; years: Years };
  /** The license expression of the header (normalised when valid), for the licenses-seen report. */
  license?: string;
  /** An older header without SPDX tags that fix mode can convert (notice.ts). */
  notice?: Notice;
}

const COPYRIGHT_VALUE = /^(?:copyright\b\s*)?(?:(?:\(c\)|©)\s*)?(\d{4}(?:\s*[-,]\s*\d{4})*)(?:,?\s+(.*))?$/i;

const RIGHTS_RESERVED = /[\s.,]*\ball rights reserved\b[\s.]*$/;
const TRAILING_PUNCTUATION = /[\s.,]+$/;

/**
 * A holder as compared: case and runs of whitespace do not matter, nor a trailing `All rights
 * reserved.` or final period, so `NVIDIA CORPORATION & AFFILIATES.` and `NVIDIA CORPORATION &
 * AFFILIATES. All rights reserved.` are one holder whichever way the policy writes it.
 */
export function holderKey(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase().replace(RIGHTS_RESERVED, '').replace(TRAILING_PUNCTUATION, '');
}

let lastHolders: [readonly string[], ReadonlySet<string>] | undefined;
/** The policy's holders, compared keys computed once per run rather than once per file. */
export function holderKeys(holders: readonly string[]): ReadonlySet<string> {
  if (lastHolders?.[0] !== holders) lastHolders = [holders, new Set(holders.map(holderKey))];
  return lastHolders[1];
}

/** Whether `holder` (as a file writes it) is one of the policy's. */
export function isPolicyHolder(holder: string, policy: Policy): boolean {
  return policy.holders.includes(holder) || holderKeys(policy.holders).has(holderKey(holder));
}

interface ParsedCopyright {
  holder: string;
  years?: Years;
  yearsError?: string;
}

/** Parse `Copyright (c) 2024-2026 Holder` (also `©`, no prefix, `2024 - 2026`, `2019, 2021`). */
export function parseCopyright(tag: TagLine): ParsedCopyright | undefined {
  const match = COPYRIGHT_VALUE.exec(tag.value);
  if (!match) return undefined;
  const yearsText = match[1] as string;
  const holder = match[2] ?? '';
  const yearsOffset = tag.valueStart + tag.value.indexOf(yearsText);
  // Nearly every header holds `YYYY` or `YYYY-YYYY`: read those without the general parse below.
  if (yearsText.length === 4 || (yearsText.length === 9 && yearsText.charCodeAt(4) === 45)) {
    const from = Number(yearsText.slice(0, 4));
    const to = yearsText.length === 4 ? from : Number(yearsText.slice(5));
    if (to < from) return { holder, yearsError: `the range ${yearsText} ends before it starts` };
    return {
      holder,
      years: { first: from, last: to, lastPart: { start: yearsOffset, end: yearsOffset + yearsText.length, from } },
    };
  }
  const parts = [...yearsText.matchAll(/(\d{4})(?:\s*-\s*(\d{4}))?/g)];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const part of parts) {
    const from = Number(part[1]);
    const to = part[2] === undefined ? from : Number(part[2]);
    if (to < from) return { holder, yearsError: `the range ${part[0]} ends before it starts` };
    first = Math.min(first, from);
    last = Math.max(last, to);
  }
  const lastMatch = parts[parts.length - 1] as RegExpMatchArray;
  const start = yearsOffset + (lastMatch.index as number);
  return {
    holder,
    years: { first, last, lastPart: { start, end: start + lastMatch[0].length, from: Number(lastMatch[1]) } },
  };
}

/** `missing-header` findings by line, shared (a first run may have thousands; nothing changes them). */
const MISSING_HEADER = new Map<number, Inspection>();

/** The verdict on a file without any SPDX tag, whose header belongs at `line` (shared, frozen). */
export function missingHeader(line: number): Inspection {
  let missing = MISSING_HEADER.get(line);
  if (missing === undefined) {
    const finding: Finding = Object.freeze({
      kind: 'missing-header',
      line,
      message: 'no SPDX header in the comments at the top',
    });
    missing = Object.freeze({ findings: Object.freeze([finding]) });
    MISSING_HEADER.set(line, missing);
  }
  return missing;
}

/** Check everything but the year rule. */
export function inspect(scan: HeaderScan, policy: Policy): Inspection {
  if (scan.tags.length === 0 && scan.strayTagLines.length === 0) return missingHeader(scan.prolog.lines + 1);
  const findings: Finding[] = [];
  const copyrights = scan.tags.filter((tag) => tag.tag === 'copyright');
  const licenses = scan.tags.filter((tag) => tag.tag === 'license');
  const headerLine = scan.prolog.lines + 1;

  if (copyrights.length === 0 && licenses.length === 0) {
    const stray = scan.strayTagLines[0];
    if (stray !== undefined) {
      findings.push({
        kind: 'header-not-at-top',
        line: stray,
        message: `SPDX tags on line ${stray} are below code; the header must be in the comments at the top of the file (after line ${scan.regionEnd}, nothing but the prolog, blank lines and comments may come before it)`,
      });
    } else {
      findings.push({ kind: 'missing-header', line: headerLine, message: 'no SPDX header in the comments at the top' });
    }
    return { findings };
  }

  let copyright: Inspection['copyright'];
  if (copyrights.length === 0) {
    const line = (licenses[0] as TagLine).line + 1;
    findings.push({ kind: 'missing-copyright', line, message: 'no SPDX-FileCopyrightText line' });
  } else {
    let sawHolder: { tag: TagLine; parsed: ParsedCopyright } | undefined;
    const others: string[] = [];
    for (const tag of copyrights) {
      const parsed = parseCopyright(tag);
      if (!parsed) {
        others.push(tag.value);
        continue;
      }
      if (isPolicyHolder(parsed.holder, policy)) {
        sawHolder = { tag, parsed };
        break;
      }
      others.push(parsed.holder);
    }
    const firstLine = (copyrights[0] as TagLine).line + 1;
    if (!sawHolder) {
      const yearless = copyrights.find((tag) => !parseCopyright(tag));
      const yearlessKey = yearless ? holderKey(yearless.value) : '';
      if (yearless && [...holderKeys(policy.holders)].some((key) => yearlessKey.includes(key))) {
        findings.push({
          kind: 'missing-year',
          line: yearless.line + 1,
          message: 'the copyright line has no year; write it as YYYY or YYYY-YYYY before the holder',
        });
      } else {
        findings.push({
          kind: 'holder-mismatch',
          line: firstLine,
          message: `no SPDX-FileCopyrightText line for ${policy.holders.map((holder) => JSON.stringify(holder)).join(' or ')} (found ${others.map((other) => JSON.stringify(other)).join(', ')})`,
          holder: others[0],
        });
      }
    } else if (sawHolder.parsed.yearsError) {
      findings.push({ kind: 'bad-years', line: sawHolder.tag.line + 1, message: sawHolder.parsed.yearsError });
    } else if (sawHolder.parsed.years) {
      copyright = { line: sawHolder.tag.line, years: sawHolder.parsed.years };
    }
  }

  let license: string | undefined;
  if (licenses.length === 0) {
    const line = (copyrights[0] as TagLine).line + 1;
    findings.push({ kind: 'missing-license', line, message: 'no SPDX-License-Identifier line' });
  } else {
    const tag = licenses[0] as TagLine;
    const result = checkLicense(tag.value);
    license = result.valid ? result.normalized : tag.value;
    if (!result.valid) {
      findings.push({ kind: 'invalid-license', line: tag.line + 1, message: result.reason, license: tag.value });
    } else if (!policy.licenses.includes(result.normalized)) {
      findings.push({
        kind: 'license-not-allowed',
        line: tag.line + 1,
        message: `license ${JSON.stringify(result.normalized)} is not allowed (allowed: ${policy.licenses.join(', ')})`,
        license: result.normalized,
      });
    }
  }
  const inspection: Inspection = { findings };
  if (copyright) inspection.copyright = copyright;
  if (license !== undefined) inspection.license = license;
  return inspection;
}

/** The year rule: the header's end year must be at least `required`. */
export function checkYear(inspection: Inspection, required: number, basis: string): Finding | undefined {
  const copyright = inspection.copyright;
  if (!copyright || copyright.years.last >= required) return undefined;
  return {
    kind: 'stale-year',
    line: copyright.line + 1,
    message: `the copyright year ends in ${copyright.years.last} but must reach ${required}, ${basis}`,
  };
}
