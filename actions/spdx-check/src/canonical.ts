/**
 * The common case judged by comparing bytes: a file that starts with exactly the header fix mode
 * writes (`renderHeader`, any years in `YYYY` or `YYYY-YYYY` form, `\n` or `\r\n` line endings,
 * an optional BOM, and a shebang line first where the file type has one), for any accepted holder
 * written with or without `All rights reserved.`. In a repository that keeps its headers, that is
 * nearly every file, and reading it this way decodes no line and allocates next to nothing.
 * Anything else (another prolog, other spacing, another holder or license, a year list) returns
 * `undefined`, and the general scan (header.ts, check.ts) judges the file.
 *
 * Both must agree. A header's template is compiled once per file type and run through the general
 * scan first; a file type whose template it would judge differently (a holder that reads as a
 * Python `coding:` line, say) never takes this path. Tests compare the two on perturbed headers.
 * Pure.
 */
import { type Inspection, inspect, type Policy } from './check.js';
import type { FileType } from './filetypes.js';
import { renderHeader, scanHeader, splitLines } from './header.js';
import { checkLicense } from './license.js';

/** One rendered header around its years: `prefix` YEARS `suffix`, for one line ending. */
interface Variant {
  prefix: Buffer;
  suffix: Buffer;
}

interface Template {
  variants: Variant[];
  /** The license the header names (each inspection carries it for the licenses-seen report). */
  license: string;
  /** Index of the copyright line among the header's lines. */
  line: number;
  /** Character column of the years in that line. */
  column: number;
  /** The file type's prolog may be a shebang line (which then comes first). */
  shebang: boolean;
  /**
   * One frozen inspection per years text and prolog: a repository has a handful of distinct
   * years, and thousands of files share each (fewer objects alive during a scan, cheaper GC).
   */
  inspections: Map<number, Inspection>;
}

const YEARS_MARK = '\u0000';
const NO_FINDINGS = Object.freeze([]);
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const DASH = 45;
const HASH = 35;
const BANG = 33;
const BRACKET = 91;
const NEWLINE = 10;

/** A file type's templates: those of the holder spellings compiled so far. */
interface Compiled {
  templates: Template[];
  /** The file type's prolog may be a shebang line (which then comes first). */
  shebang: boolean;
  /** Holder spellings not compiled yet. */
  rest: string[];
}

/** matchVariant's answer when the header matched up to the end of its years, not after them. */
const NEAR = Object.freeze({ findings: NO_FINDINGS }) as Inspection;

export class CanonicalHeaders {
  private readonly compiled = new Map<FileType, Compiled>();
  /** Allowed licenses as the list spells them (the only spelling fix mode writes). */
  private readonly licenses: readonly string[];

  constructor(private readonly policy: Policy) {
    this.licenses = policy.licenses.filter((license) => {
      const check = checkLicense(license);
      return check.valid && check.normalized === license;
    });
  }

  /**
   * The general scan's verdict on a header written exactly as fix mode writes it, or `undefined`.
   * The inspection returned is frozen and may be shared with other files.
   */
  inspect(bytes: Buffer, fileType: FileType): Inspection | undefined {
    const compiled = this.compiledFor(fileType);
    let start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    let prologLines = 0;
    // A shebang line (never Rust's `#![`), as findProlog reads it; the header follows it directly.
    if (bytes[start] === HASH && bytes[start + 1] === BANG && bytes[start + 2] !== BRACKET) {
      const newline = bytes.indexOf(NEWLINE, start);
      if (newline === -1 || !compiled.shebang) return undefined;
      start = newline + 1;
      prologLines = 1;
    }
    let near = false;
    let from = 0;
    for (;;) {
      const { templates } = compiled;
      // Indexed loops: this runs once per file, and an iterator is an allocation.
      for (let index = from; index < templates.length; index++) {
        const template = templates[index] as Template;
        for (let at = 0; at < template.variants.length; at++) {
          const inspection = matchVariant(bytes, start, prologLines, template.variants[at] as Variant, template);
          if (inspection === NEAR) near = true;
          else if (inspection) return inspection;
        }
      }
      // The other holder spellings are compiled once a header matches up to its years: most runs
      // see one spelling, and compiling a template runs the general scan on samples.
      if (!near || compiled.rest.length === 0) return undefined;
      from = templates.length;
      this.compileRest(fileType, compiled);
    }
  }

  private compiledFor(fileType: FileType): Compiled {
    let compiled = this.compiled.get(fileType);
    if (compiled === undefined) {
      compiled = {
        templates: [],
        shebang: fileType.prolog.includes('shebang'),
        rest: holderSpellings(this.policy.holders),
      };
      // At least one template, when any spelling has one.
      while (compiled.templates.length === 0 && compiled.rest.length > 0) {
        compiled.templates.push(...compile(fileType, this.policy, this.licenses, compiled.rest.shift() as string));
      }
      this.compiled.set(fileType, compiled);
    }
    return compiled;
  }

  private compileRest(fileType: FileType, compiled: Compiled): void {
    for (const holder of compiled.rest.splice(0)) {
      compiled.templates.push(...compile(fileType, this.policy, this.licenses, holder));
    }
  }
}

/** Each holder as written, then with its `All rights reserved.` added or taken away. */
export function holderSpellings(holders: readonly string[]): string[] {
  const spellings: string[] = [];
  for (const holder of holders) {
    const bare = holder.replace(/\s*all rights reserved\.?$/i, '');
    const other = bare !== holder ? bare : `${holder}${holder.endsWith('.') ? '' : '.'} All rights reserved.`;
    for (const spelling of [holder, other]) if (!spellings.includes(spelling)) spellings.push(spelling);
  }
  return spellings;
}

/** The templates of one holder spelling, one per allowed license, each checked against the general scan. */
function compile(fileType: FileType, policy: Policy, licenses: readonly string[], holder: string): Template[] {
  const templates: Template[] = [];
  // A holder the years could run into, or one the general parse trims, is left to the general scan.
  if (holder === '' || holder !== holder.trim() || /[\r\n\u0000]|^[-,\d]/.test(holder)) return templates;
  for (const license of licenses) {
    const lines = renderHeader(fileType.style, YEARS_MARK, holder, license);
    const line = lines.findIndex((text) => text.includes(YEARS_MARK));
    if (line === -1) continue;
    const column = (lines[line] as string).indexOf(YEARS_MARK);
    const variants = ['\n', '\r\n'].map((eol) => {
      const [before, after] = `${lines.join(eol)}${eol}`.split(YEARS_MARK) as [string, string];
      return { prefix: Buffer.from(before), suffix: Buffer.from(after) };
    });
    const shebang = fileType.prolog.includes('shebang');
    const template: Template = { variants, license, line, column, shebang, inspections: new Map() };
    if (agreesWithGeneralScan(template, fileType, policy)) templates.push(template);
  }
  return templates;
}

/** The template, with sample years, each line ending and any shebang, judged both ways alike. */
function agreesWithGeneralScan(template: Template, fileType: FileType, policy: Policy): boolean {
  for (const shebang of template.shebang ? ['', '#!/usr/bin/env tool\n'] : ['']) {
    for (const variant of template.variants) {
      for (const years of ['2024', '2019-2024']) {
        const bytes = Buffer.concat([
          Buffer.from(shebang),
          variant.prefix,
          Buffer.from(years),
          variant.suffix,
          Buffer.from('code\n'),
        ]);
        const fast = matchVariant(bytes, shebang.length, shebang === '' ? 0 : 1, variant, template);
        const general = inspect(scanHeader(splitLines(bytes, true), fileType), policy);
        if (!fast || fast === NEAR || JSON.stringify(fast) !== JSON.stringify(general)) return false;
      }
    }
  }
  return true;
}

function matchVariant(
  bytes: Buffer,
  start: number,
  prologLines: number,
  variant: Variant,
  template: Template,
): Inspection | undefined {
  const { prefix, suffix } = variant;
  if (!startsWith(bytes, start, prefix)) return undefined;
  const at = start + prefix.length;
  const first = yearAt(bytes, at);
  if (first === -1) return undefined;
  let length = 4;
  let last = first;
  if (bytes[at + 4] === DASH) {
    last = yearAt(bytes, at + 5);
    if (last === -1 || last < first) return undefined;
    length = 9;
  }
  // The suffix ends with a line ending: every header line is whole, even in a head cut at 4 KiB.
  if (!startsWith(bytes, at + length, suffix)) return NEAR;
  const key = ((first * 10_000 + last) * 2 + (length === 9 ? 1 : 0)) * 2 + prologLines;
  let inspection = template.inspections.get(key);
  if (inspection === undefined) {
    const line = template.line + prologLines;
    const { column } = template;
    const lastPart = Object.freeze({ start: column, end: column + length, from: first });
    const years = Object.freeze({ first, last, lastPart });
    inspection = Object.freeze({
      findings: NO_FINDINGS,
      copyright: Object.freeze({ line, years }),
      license: template.license,
    });
    template.inspections.set(key, inspection);
  }
  return inspection;
}

function startsWith(bytes: Buffer, at: number, expected: Buffer): boolean {
  if (at + expected.length > bytes.length) return false;
  for (let index = 0; index < expected.length; index++) {
    if (bytes[at + index] !== expected[index]) return false;
  }
  return true;
}

/** The four-digit year at `at`, or -1. */
function yearAt(bytes: Buffer, at: number): number {
  let year = 0;
  for (let index = at; index < at + 4; index++) {
    const byte = bytes[index];
    if (byte === undefined || byte < DIGIT_0 || byte > DIGIT_9) return -1;
    year = year * 10 + byte - DIGIT_0;
  }
  return year;
}
