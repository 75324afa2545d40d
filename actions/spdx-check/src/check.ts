/**
 * Judging a scanned header against the policy (holder, allowed licenses, year rule). Pure. The
 * year is judged in a second step because the required year may come from history (one git pass
 * over every file that needs it) after all headers were read.
 */
import type { HeaderScan, TagLine } from './header.js';
import { checkLicense } from './license.js';

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
  'unknown-type': 'Unknown file type',
};

/** Findings fix mode repairs; the rest need a person (a license or holder is a legal statement). */
export const FIXABLE: ReadonlySet<FindingKind> = new Set([
  'missing-header',
  'missing-copyright',
  'missing-license',
  'stale-year',
]);

export interface Finding {
  kind: FindingKind;
  /** 1-based line for the annotation. */
  line: number;
  message: string;
  /** For `invalid-license`: the expression, so a correction can be suggested. */
  license?: string;
}

export interface Policy {
  /** The text after the years, compared case- and whitespace-insensitively. */
  holder: string;
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
}

const COPYRIGHT_VALUE = /^(?:copyright\b\s*)?(?:(?:\(c\)|©)\s*)?(\d{4}(?:\s*[-,]\s*\d{4})*)(?:,?\s+(.*))?$/i;

export function normalizeHolder(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

let lastHolder: [string, string] | undefined;
/** The policy's holder, normalised once per run rather than once per file. */
function holderKey(holder: string): string {
  if (lastHolder?.[0] !== holder) lastHolder = [holder, normalizeHolder(holder)];
  return lastHolder[1];
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

/** Check everything but the year rule. */
export function inspect(scan: HeaderScan, policy: Policy): Inspection {
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
    const expected = holderKey(policy.holder);
    let sawHolder: { tag: TagLine; parsed: ParsedCopyright } | undefined;
    const others: string[] = [];
    for (const tag of copyrights) {
      const parsed = parseCopyright(tag);
      if (!parsed) {
        others.push(tag.value);
        continue;
      }
      if (parsed.holder === policy.holder || normalizeHolder(parsed.holder) === expected) {
        sawHolder = { tag, parsed };
        break;
      }
      others.push(parsed.holder);
    }
    const firstLine = (copyrights[0] as TagLine).line + 1;
    if (!sawHolder) {
      const yearless = copyrights.find((tag) => !parseCopyright(tag));
      if (yearless && normalizeHolder(yearless.value).includes(expected)) {
        findings.push({
          kind: 'missing-year',
          line: yearless.line + 1,
          message: 'the copyright line has no year; write it as YYYY or YYYY-YYYY before the holder',
        });
      } else {
        findings.push({
          kind: 'holder-mismatch',
          line: firstLine,
          message: `no SPDX-FileCopyrightText line for ${JSON.stringify(policy.holder)} (found ${others.map((other) => JSON.stringify(other)).join(', ')})`,
        });
      }
    } else if (sawHolder.parsed.yearsError) {
      findings.push({ kind: 'bad-years', line: sawHolder.tag.line + 1, message: sawHolder.parsed.yearsError });
    } else if (sawHolder.parsed.years) {
      copyright = { line: sawHolder.tag.line, years: sawHolder.parsed.years };
    }
  }

  if (licenses.length === 0) {
    const line = (copyrights[0] as TagLine).line + 1;
    findings.push({ kind: 'missing-license', line, message: 'no SPDX-License-Identifier line' });
  } else {
    const tag = licenses[0] as TagLine;
    const result = checkLicense(tag.value);
    if (!result.valid) {
      findings.push({ kind: 'invalid-license', line: tag.line + 1, message: result.reason, license: tag.value });
    } else if (!policy.licenses.includes(result.normalized)) {
      findings.push({
        kind: 'license-not-allowed',
        line: tag.line + 1,
        message: `license ${JSON.stringify(result.normalized)} is not allowed (allowed: ${policy.licenses.join(', ')})`,
      });
    }
  }
  return copyright ? { findings, copyright } : { findings };
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
