/**
 * One run of the check: choose the files (scope, ignore), classify them, read the first 4 KiB
 * of each, judge the headers, apply the year rule (history read once, only when needed), and in
 * fix mode rewrite the files that can be repaired. I/O goes through `ScanPorts`; nothing here
 * prints or reads the environment.
 */
import { CanonicalHeaders } from './canonical.js';
import { checkYear, FIXABLE, type Finding, type Inspection, missingHeader, type Policy } from './check.js';
import {
  type Classification,
  type CommentStyle,
  classify,
  compileMappings,
  type FileType,
  typeFromShebang,
} from './filetypes.js';
import { planFix } from './fix.js';
import { codeStart, mayMentionTags, renderHeader, scanHeader, splitLines } from './header.js';
import { compileIgnore } from './ignore.js';
import type { Settings } from './inputs.js';
import { inspectWithNotice } from './notice.js';
import { KnownRegions } from './regions.js';

/** Only this much of each file is read for the check. */
export const HEAD_BYTES = 4096;

export type HeadRead =
  | { kind: 'file'; bytes: Buffer; complete: boolean }
  | { kind: 'symlink' }
  | { kind: 'not-a-file' }
  | { kind: 'missing' };

export interface ScanPorts {
  /** Every tracked file under the working directory, repository-relative, sorted. */
  listTracked(): Promise<string[]>;
  /**
   * Files the change added or modified (repository-relative, under the working directory), or
   * `undefined` when the run has no change to compare (a schedule, a tag push): then scope
   * `changed` checks every tracked file and the `changed` year rule applies to none.
   */
  changedFiles(): Promise<string[] | undefined>;
  /**
   * Of the changed files, those the change only moved (renamed without touching the content): the
   * `changed` year rule skips them, so a folder reorganisation does not demand new years.
   */
  movedOnly(): Promise<ReadonlySet<string>>;
  /** The year of the head commit (committer date, in the committer's time zone). */
  headYear(): Promise<number>;
  /** The year of each path's last commit, from one pass over history. */
  lastChangeYears(paths: readonly string[]): Promise<{ years: Map<string, number>; shallow: boolean }>;
  /**
   * The first `HEAD_BYTES` of a file, never following a symlink. The returned buffer may be
   * reused by the next call.
   */
  readHead(path: string): HeadRead;
  readFile(path: string): Buffer;
  writeFile(path: string, bytes: Buffer): void;
  /** The calendar year now, for headers written by fix mode. */
  currentYear(): number;
}

export type SkipReason =
  | 'ignored'
  | 'uncommentable'
  | 'configured-skip'
  | 'binary'
  | 'lfs-pointer'
  | 'empty'
  | 'symlink'
  | 'not-a-file'
  | 'missing'
  | 'unknown-type';

export type Outcome = 'passed' | 'fixed' | 'failed' | 'skipped';

/** The findings of a file that has none (shared: a scan keeps one result per file alive). */
const NONE: readonly Finding[] = Object.freeze([]);

export interface FileResult {
  path: string;
  outcome: Outcome;
  /** The file type's name, when known. */
  type?: string;
  skipReason?: SkipReason;
  /** What is wrong (after fixing, what is still wrong). */
  findings: readonly Finding[];
  /** What fix mode repaired. */
  fixed: readonly Finding[];
  /** The header this file should carry, for messages. */
  expectedHeader?: string[];
  unknownType?: boolean;
}

/** How many judged files name a license, in SPDX tags or as a license text (a `legacy-header`). */
export interface LicenseUse {
  tags: number;
  texts: number;
}

export interface ScanResult {
  files: FileResult[];
  headYear: number;
  /** Things the user should know about the run as a whole (shallow history, year rule not applied). */
  notes: string[];
  /** The files the change touches, when the run resolved a change (annotations show them first). */
  changed?: ReadonlySet<string>;
  /** Licenses the judged files name, most used first. */
  licenses: Map<string, LicenseUse>;
}

interface Pending {
  slot: number;
  path: string;
  type: FileType;
  inspection: Inspection;
  /** The inspection's findings, copied only when the year rule adds one. */
  findings: readonly Finding[];
  requiredYear?: number;
}

export async function runScan(settings: Settings, ports: ScanPorts): Promise<ScanResult> {
  const notes: string[] = [];
  const isIgnored = compileIgnore(settings.ignore);
  const mappings = compileMappings(settings.fileTypes);
  const policy: Policy = { holders: settings.holders, licenses: settings.licenses };
  const canonical = new CanonicalHeaders(policy);
  const regions = new KnownRegions();

  // Git processes run concurrently where they are independent: a full scan lists the tracked files
  // while the change set resolves, and the head commit's year is read while the files are judged.
  // Errors keep their order (change set, listing, head year): each promise is awaited in that order.
  const listed = settings.scope === 'all' ? settle(ports.listTracked()) : undefined;
  // Resolved only when needed: scope `changed`, or the `changed` year rule on a full scan.
  const changed =
    settings.scope === 'changed' || settings.yearRule === 'changed' ? await ports.changedFiles() : undefined;
  let candidates: string[];
  if (settings.scope === 'changed' && changed !== undefined) candidates = changed;
  else {
    if (settings.scope === 'changed') {
      notes.push('This run has no change to compare with (no base commit), so every tracked file was checked.');
    }
    candidates = await (listed ?? ports.listTracked());
  }
  const headYearRead = settle(ports.headYear());
  // One turn of the event loop, so its git process starts before the synchronous reads below.
  await new Promise<void>((resolve) => setImmediate(resolve));

  // Results keep the candidates' order (git's sorted order); slots are filled as files are judged.
  const results: FileResult[] = new Array(candidates.length);
  const pending: Pending[] = [];
  for (let slot = 0; slot < candidates.length; slot++) {
    const path = candidates[slot] as string;
    if (isIgnored(path)) {
      results[slot] = skipped(path, 'ignored');
      continue;
    }
    let classification: Classification = classify(path, mappings);
    if (classification.kind === 'uncommentable' || classification.kind === 'configured-skip') {
      results[slot] = skipped(path, classification.kind);
      continue;
    }
    const head = ports.readHead(path);
    if (head.kind !== 'file') {
      results[slot] = skipped(path, head.kind);
      continue;
    }
    if (isBlank(head.bytes, head.complete)) {
      results[slot] = skipped(path, 'empty');
      continue;
    }
    if (head.bytes.includes(0)) {
      results[slot] = skipped(path, 'binary');
      continue;
    }
    if (isLfsPointer(head.bytes)) {
      results[slot] = skipped(path, 'lfs-pointer');
      continue;
    }
    if (classification.kind === 'unknown' && classification.extensionless) {
      const newline = head.bytes.indexOf(10);
      const fromShebang = typeFromShebang(head.bytes.toString('utf8', 0, newline === -1 ? undefined : newline));
      if (fromShebang) classification = { kind: 'typed', type: fromShebang };
    }
    if (classification.kind !== 'typed') {
      results[slot] = unknownResult(path, settings);
      continue;
    }
    const type = classification.type;
    let inspection = canonical.inspect(head.bytes, type) ?? regions.inspect(head.bytes, head.complete, type);
    if (inspection === undefined) {
      // A file that starts with code has no header to read (half of a first run's failures).
      const code = codeStart(head.bytes);
      if (code !== -1 && !mayMentionTags(head.bytes, code)) inspection = missingHeader(1);
    }
    if (inspection === undefined) {
      const scan = scanHeader(splitLines(head.bytes, head.complete), type);
      inspection = inspectWithNotice(scan, policy);
      regions.remember(head.bytes, scan, type, inspection);
    }
    pending.push({ slot, path, type, inspection, findings: inspection.findings });
  }

  const headYear = await headYearRead;
  await suggestLicenses(pending);
  await applyYearRule(settings, ports, pending, headYear, changed, notes);

  const fixYear = Math.max(headYear, ports.currentYear());
  const licenses = new Map<string, LicenseUse>();
  const expectedHeaders: ExpectedHeaders = new Map();
  for (const file of pending) {
    countLicense(licenses, file.inspection);
    if (file.findings.length === 0) {
      results[file.slot] = { path: file.path, type: file.type.name, outcome: 'passed', findings: NONE, fixed: NONE };
      continue;
    }
    const required = file.requiredYear ?? fixYear;
    const expectedHeader = expectedHeaderOf(file, settings, required, expectedHeaders);
    const base = { path: file.path, type: file.type.name, expectedHeader };
    if (settings.fix && file.findings.some((finding) => FIXABLE.has(finding.kind))) {
      results[file.slot] = { ...base, ...fixFile(file, policy, ports, Math.max(required, fixYear)) };
    } else {
      results[file.slot] = {
        path: file.path,
        type: file.type.name,
        expectedHeader,
        outcome: 'failed',
        findings: file.findings,
        fixed: NONE,
      };
    }
  }
  const result: ScanResult = { files: results, headYear, notes, licenses: byUse(licenses) };
  if (changed !== undefined) result.changed = new Set(changed);
  return result;
}

type ExpectedHeaders = Map<CommentStyle, Map<string, string[]>>;

/**
 * The header a failing file should carry: its own years, holder and license where it has them.
 * Files alike share one (thousands of failing files want a handful of distinct headers).
 */
function expectedHeaderOf(file: Pending, settings: Settings, required: number, shared: ExpectedHeaders): string[] {
  const { notice } = file.inspection;
  const years = file.inspection.copyright?.years;
  let expectedYears: string;
  if (notice?.years !== undefined) {
    // The years the notice writes, extended when the year rule requires a later one.
    const first = notice.years.split(/[-,]/)[0]?.trim();
    expectedYears = (notice.lastYear as number) < required ? `${first}-${required}` : notice.years;
  } else {
    expectedYears = years && years.first < required ? `${years.first}-${required}` : String(required);
  }
  const holder = notice?.holder ?? (settings.holders[0] as string);
  const license = notice?.license ?? (settings.licenses[0] as string);
  // Keyed by style, then by the rest (which is only the years for a header of the defaults).
  let byStyle = shared.get(file.type.style);
  if (byStyle === undefined) {
    byStyle = new Map();
    shared.set(file.type.style, byStyle);
  }
  const key = notice ? `${expectedYears}\n${holder}\n${license}` : expectedYears;
  let header = byStyle.get(key);
  if (header === undefined) {
    header = Object.freeze(renderHeader(file.type.style, expectedYears, holder, license)) as string[];
    byStyle.set(key, header);
  }
  return header;
}

function countLicense(licenses: Map<string, LicenseUse>, inspection: Inspection): void {
  const { license } = inspection;
  if (license === undefined) return;
  let use = licenses.get(license);
  if (use === undefined) {
    use = { tags: 0, texts: 0 };
    licenses.set(license, use);
  }
  if (inspection.notice) use.texts++;
  else use.tags++;
}

function byUse(licenses: Map<string, LicenseUse>): Map<string, LicenseUse> {
  const total = (use: LicenseUse) => use.tags + use.texts;
  return new Map([...licenses].sort((a, b) => total(b[1]) - total(a[1]) || a[0].localeCompare(b[0])));
}

const LFS_POINTER = Buffer.from('version https://git-lfs.github.com/spec/');

/** A Git LFS pointer: the file's content (a video, weights) is elsewhere; it is binary data. */
function isLfsPointer(bytes: Buffer): boolean {
  return bytes.length < 1024 && bytes[0] === 118 && bytes.subarray(0, LFS_POINTER.length).equals(LFS_POINTER);
}

/** The promise, marked handled so a rejection waits for its `await` instead of ending the process. */
function settle<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

function skipped(path: string, skipReason: SkipReason): FileResult {
  return { path, outcome: 'skipped', skipReason, findings: NONE, fixed: NONE };
}

function unknownResult(path: string, settings: Settings): FileResult {
  if (settings.unknownTypes !== 'fail') {
    return { path, outcome: 'skipped', skipReason: 'unknown-type', unknownType: true, findings: NONE, fixed: NONE };
  }
  return {
    path,
    outcome: 'failed',
    unknownType: true,
    findings: [{ kind: 'unknown-type', line: 1, message: UNKNOWN_TYPE_MESSAGE }],
    fixed: [],
  };
}

export const UNKNOWN_TYPE_MESSAGE =
  "no comment syntax is known for this file type; map it in the config file's file-types (e.g. '*.ext': hash), add it to ignore, or set unknown-types";

/** Zero bytes, or nothing but whitespace: there is nothing to license. */
function isBlank(bytes: Buffer, complete: boolean): boolean {
  if (!complete) return false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte !== 32 && byte !== 9 && byte !== 10 && byte !== 13) return false;
  }
  return true;
}

async function applyYearRule(
  settings: Settings,
  ports: ScanPorts,
  pending: Pending[],
  headYear: number,
  changedFiles: readonly string[] | undefined,
  notes: string[],
): Promise<void> {
  // An older header fix mode converts keeps its years: they are held to the rule once converted.
  const dated = pending.filter(
    (file) => file.inspection.copyright !== undefined || file.inspection.notice?.lastYear !== undefined,
  );
  if (settings.yearRule === 'none' || dated.length === 0) return;

  if (settings.yearRule === 'changed') {
    if (changedFiles === undefined) {
      notes.push(
        "The year rule 'changed' was applied to no file: this run has no change to compare (set base-sha, or run on a pull_request or push event).",
      );
      return;
    }
    const moved = await ports.movedOnly();
    const changed = new Set(changedFiles.filter((path) => !moved.has(path)));
    for (const file of dated) {
      if (!changed.has(file.path)) continue;
      file.requiredYear = headYear;
      const finding = checkYear(
        file.inspection,
        headYear,
        `the year of the head commit, because this change touches the file`,
      );
      if (finding) file.findings = [...file.findings, finding];
    }
    return;
  }

  const { years, shallow } = await ports.lastChangeYears(dated.map((file) => file.path));
  if (shallow) {
    notes.push(
      "The checkout is shallow, so files last changed before the fetched history get the date of the oldest fetched commit (every such file would fail each January). Use fetch-depth: 0 with year-rule 'last-commit', or year-rule 'changed'.",
    );
  }
  for (const file of dated) {
    const year = years.get(file.path);
    const required = year ?? headYear;
    file.requiredYear = required;
    const basis =
      year === undefined ? 'the head commit year (the file has no commit yet)' : 'the year of its last commit';
    const finding = checkYear(file.inspection, required, basis);
    if (finding) file.findings = [...file.findings, finding];
  }
}

/**
 * Fix a file in rounds until nothing fixable is left (a converted header may then need a newer
 * year), at most three. Nothing is written unless every fixable finding was repaired.
 */
function fixFile(
  file: Pending,
  policy: Policy,
  ports: ScanPorts,
  year: number,
): Pick<FileResult, 'outcome' | 'findings' | 'fixed'> {
  let bytes = ports.readFile(file.path);
  const judge = (buffer: Buffer) => {
    const scan = scanHeader(splitLines(buffer.subarray(0, HEAD_BYTES), buffer.length <= HEAD_BYTES), file.type);
    const inspection = inspectWithNotice(scan, policy);
    let findings: readonly Finding[] = inspection.findings;
    if (file.requiredYear !== undefined) {
      const stale = checkYear(inspection, file.requiredYear, 'the required year');
      if (stale) findings = [...findings, stale];
    }
    return { scan, inspection, findings };
  };
  const fixed: Finding[] = [];
  let current = judge(bytes);
  // The findings the scan reported (with their year rule's wording) go into the first round.
  current.findings = file.findings;
  for (let round = 0; round < 3 && current.findings.some((finding) => FIXABLE.has(finding.kind)); round++) {
    const plan = planFix(bytes, current.scan, current.inspection, current.findings, {
      fileType: file.type,
      policy,
      year,
    });
    if (!plan.bytes) break;
    bytes = plan.bytes;
    fixed.push(...plan.fixed);
    current = judge(bytes);
  }
  if (fixed.length === 0 || current.findings.some((finding) => FIXABLE.has(finding.kind))) {
    return { outcome: 'failed', findings: file.findings, fixed: [] };
  }
  ports.writeFile(file.path, bytes);
  if (current.findings.length > 0) return { outcome: 'failed', findings: current.findings, fixed };
  return { outcome: 'fixed', findings: [], fixed };
}

/** Append a correction to each invalid license expression (loading spdx-correct only now). */
async function suggestLicenses(pending: readonly Pending[]): Promise<void> {
  const invalid: Finding[] = [];
  for (const file of pending) {
    for (const finding of file.findings) if (finding.kind === 'invalid-license') invalid.push(finding);
  }
  if (invalid.length === 0) return;
  const { suggestLicense } = await import('./suggest.js');
  for (const finding of invalid) {
    const suggestion = suggestLicense(finding.license as string);
    if (suggestion) finding.message += `; did you mean ${JSON.stringify(suggestion)}?`;
  }
}
