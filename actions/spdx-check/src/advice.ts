/**
 * What a failing run tells its reader: the problems grouped by kind, the one thing to do next
 * (the `fix: true` run, or the input line that accepts what the project actually uses), and what
 * needs a person (unknown license texts, other holders' files with the `ignore` lines that skip
 * them, licenses the policy does not allow). Pure: the summary and the log render it.
 */
import { FIXABLE, type Finding, type FindingKind } from './check.js';
import type { Settings } from './inputs.js';
import { inlineCode } from './markdown.js';
import type { FileResult, ScanResult } from './scan.js';
import { tally } from './tally.js';

export interface ProblemGroup {
  kind: FindingKind;
  /** Failing files with this kind of finding. */
  files: number;
  /** The first few of them. */
  examples: string[];
  fixable: boolean;
}

/** A sentence (markdown), and the step inputs (YAML) that do it. */
export interface Step {
  text: string;
  inputs?: string;
}

export interface Advice {
  /** Most files first. */
  groups: ProblemGroup[];
  /** Failing files `fix: true` repairs completely. */
  fixable: number;
  next?: Step;
  /** What fix mode cannot do. */
  person: Step[];
}

/** Kinds whose files are listed under "needs a person" with their own advice. */
const ADVISED = new Set<FindingKind>([
  'unknown-license-text',
  'third-party-notice',
  'holder-mismatch',
  'license-not-allowed',
]);

const MAX_PATTERNS = 10;

export function advise(result: ScanResult, settings: Settings, examples = 3): Advice {
  const { failed, rewritten } = tally(result.files);
  const groups = new Map<FindingKind, ProblemGroup>();
  const holders = new Map<string, number>();
  const licenses = new Map<string, number>();
  const foreign: string[] = [];
  const unknownTexts: string[] = [];
  let fixable = 0;
  for (let at = 0; at < failed.length; at++) {
    const file = failed[at] as FileResult;
    const { findings } = file;
    // A converted header whose license is not allowed still fails: that file is not repaired (a
    // legacy header without a license names the first allowed one).
    let repaired = findings.length > 0;
    for (let index = 0; index < findings.length; index++) {
      const finding = findings[index] as Finding;
      const { kind } = finding;
      const allowed = finding.license === undefined || settings.licenses.includes(finding.license);
      if (!FIXABLE.has(kind) || (kind === 'legacy-header' && !allowed)) repaired = false;
      if (index > 0 && findings.findIndex((other) => other.kind === kind) !== index) continue;
      let group = groups.get(kind);
      if (!group) {
        group = { kind, files: 0, examples: [], fixable: FIXABLE.has(kind) };
        groups.set(kind, group);
      }
      group.files++;
      if (group.examples.length < examples) group.examples.push(file.path);
      if (finding.holder !== undefined) {
        holders.set(finding.holder, (holders.get(finding.holder) ?? 0) + 1);
        if (foreign[foreign.length - 1] !== file.path) foreign.push(file.path);
      }
      if ((kind === 'license-not-allowed' || kind === 'legacy-header') && !allowed) {
        const license = finding.license as string;
        licenses.set(license, (licenses.get(license) ?? 0) + 1);
      }
      if (kind === 'unknown-license-text') unknownTexts.push(file.path);
    }
    if (repaired) fixable++;
  }

  const candidates: { files: number; step: Step }[] = [];
  if (!settings.fix && fixable > 0) {
    const kinds = [...groups.values()]
      .filter((group) => group.fixable)
      .sort((a, b) => b.files - a.files)
      .map((group) => group.kind);
    candidates.push({
      files: fixable,
      step: {
        text: `Run once with \`fix: true\` and commit the result: it repairs ${count(fixable)} of the ${count(failed.length)} failing files (${kinds.join(', ')}).`,
        inputs: 'fix: true',
      },
    });
  }
  const topLicense = mostUsed(licenses);
  if (topLicense) {
    candidates.push({
      files: topLicense[1],
      step: {
        text: `${count(topLicense[1])} file(s) use ${inlineCode(topLicense[0])}, which \`license\` does not allow: if the project accepts it, allow it (fix mode keeps writing the first).`,
        inputs: `license: ${[...settings.licenses, ...sorted(licenses).map(([license]) => license)].join(', ')}`,
      },
    });
  }
  const topHolder = mostUsed(holders);
  if (topHolder) {
    candidates.push({
      files: topHolder[1],
      step: {
        text: `${count(topHolder[1])} file(s) name ${inlineCode(topHolder[0])} as the holder: if that is your holder too, accept it (fix mode keeps writing the first); if those files are third-party, ignore them (below).`,
        inputs: holderInputs([...settings.holders, topHolder[0]]),
      },
    });
  }
  // After a fix run, the repairs are the first thing to take care of.
  const next =
    settings.fix && rewritten.length > 0
      ? { text: `Commit the ${count(rewritten.length)} repaired file(s) (\`git diff\` shows them).` }
      : candidates.sort((a, b) => b.files - a.files)[0]?.step;

  const person: Step[] = [];
  if (unknownTexts.length > 0) {
    person.push({
      text: `**Unknown license texts** in ${count(unknownTexts.length)} file(s) (${list(unknownTexts, examples)}): write their SPDX header by hand (the SPDX identifier of the text they carry), or ignore them if they are third-party.`,
    });
  }
  if (holders.size > 0) {
    const named = sorted(holders)
      .slice(0, 5)
      .map(([holder, files]) => `${inlineCode(holder)} (${count(files)})`)
      .join(', ');
    const { patterns, more } = ignorePatterns(result.files, new Set(foreign));
    person.push({
      text: `**Other holders** in ${count(foreign.length)} file(s): ${named}${holders.size > 5 ? ', ...' : ''}. Third-party code is skipped with${more > 0 ? ` (${count(more)} more path(s) in the JSON report)` : ''}:`,
      inputs: `ignore: |\n${patterns.map((pattern) => `  ${pattern}`).join('\n')}`,
    });
    person.push({
      text: 'A holder that is yours under another name is accepted with (one holder per line; fix mode writes the first):',
      inputs: holderInputs([...settings.holders, ...sorted(holders).map(([holder]) => holder)]),
    });
  }
  if (licenses.size > 0) {
    const named = sorted(licenses)
      .map(([license, files]) => `${inlineCode(license)} (${count(files)})`)
      .join(', ');
    person.push({
      text: `**Licenses not allowed**: ${named}. If the project accepts them:`,
      inputs: `license: ${[...settings.licenses, ...sorted(licenses).map(([license]) => license)].join(', ')}`,
    });
  }
  const byHand = [...groups.values()].filter((group) => !group.fixable && !ADVISED.has(group.kind));
  if (byHand.length > 0) {
    person.push({
      text: `**By hand**: ${byHand.map((group) => `${group.kind} (${count(group.files)})`).join(', ')}: each file's message says what to change.`,
    });
  }
  return { groups: [...groups.values()].sort((a, b) => b.files - a.files), fixable, next, person };
}

function holderInputs(holders: readonly string[]): string {
  return `copyright-holder: |\n${[...new Set(holders)].map((holder) => `  ${holder}`).join('\n')}`;
}

function mostUsed(counts: Map<string, number>): [string, number] | undefined {
  return sorted(counts)[0];
}

function sorted(counts: Map<string, number>): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * A number with thousands separators, as people read counts (by hand: the first
 * `toLocaleString` of a process loads ICU data, tens of milliseconds).
 */
export function count(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+$)/g, ',');
}

function list(paths: readonly string[], shown: number): string {
  const named = paths.slice(0, shown).map((path) => inlineCode(path));
  return paths.length > shown ? `${named.join(', ')} and ${count(paths.length - shown)} more` : named.join(', ');
}

/**
 * `ignore` patterns that skip exactly the given files as they are now: the highest folder (of two
 * files or more) every judged file of which is among them, else the file itself. Anchored at the
 * root, glob characters escaped; paths with control characters are left to the JSON report.
 */
export function ignorePatterns(
  files: readonly FileResult[],
  foreign: ReadonlySet<string>,
  max = MAX_PATTERNS,
): { patterns: string[]; more: number } {
  // Only folders that hold a foreign file can be suggested: count files under those alone (a
  // file whose top folder holds none is passed over after one lookup).
  const candidates = new Set<string>();
  for (const path of foreign) {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      candidates.add(path.slice(0, slash));
    }
  }
  const judged = new Map<string, number>();
  const others = new Map<string, number>();
  // The top folders holding foreign files: a file under none is passed over without slicing its
  // path (this loop visits every judged file once, in code that has not warmed up).
  const tops = [...candidates].filter((folder) => !folder.includes('/'));
  for (let index = 0; index < files.length; index++) {
    const file = files[index] as FileResult;
    const { path } = file;
    const slash = path.indexOf('/');
    if (file.outcome === 'skipped' || slash === -1) continue;
    let underTop = tops.length > 16;
    for (let at = 0; at < tops.length && !underTop; at++) {
      const top = tops[at] as string;
      underTop = slash === top.length && path.startsWith(top);
    }
    if (!underTop) continue;
    const isForeign = foreign.has(path);
    for (let end = slash; end !== -1; end = path.indexOf('/', end + 1)) {
      const folder = path.slice(0, end);
      if (!candidates.has(folder)) break;
      judged.set(folder, (judged.get(folder) ?? 0) + 1);
      if (isForeign) others.set(folder, (others.get(folder) ?? 0) + 1);
    }
  }
  const patterns = new Set<string>();
  let more = 0;
  for (const path of foreign) {
    let target = path;
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const folder = path.slice(0, slash);
      const total = judged.get(folder) ?? 0;
      if (total >= 2 && others.get(folder) === total) {
        target = folder;
        break;
      }
    }
    if (/[\u0000-\u001f\u007f]/.test(target)) {
      more++;
      continue;
    }
    const pattern = `/${target.replace(/[\\*?[\]{}()!+@]/g, '\\$&')}`;
    if (patterns.has(pattern)) continue;
    if (patterns.size < max) patterns.add(pattern);
    else more++;
  }
  return { patterns: [...patterns], more };
}
