/**
 * Which findings become annotations. GitHub shows 10 error and 10 warning annotations per step
 * (50 per job) and drops the rest from the UI, so a first run on a big tree must not print
 * thousands: at most `max-annotations` of each level, chosen to be useful. Errors: the files the
 * change touches first, then one file for each kind of problem not shown yet, then the next
 * failing files. The step's closing error line is one of the errors. Warnings: the run's notes,
 * then files of unknown type (changed first, then one per extension); when they do not all fit,
 * the last warning says how many more there are. Every finding is still in the job summary,
 * SARIF and the JSON report. Pure.
 */
import { FINDING_TITLES, FIXABLE, type Finding, type FindingKind } from './check.js';
import type { Settings } from './inputs.js';
import type { FileResult, ScanResult } from './scan.js';
import { tally } from './tally.js';

export interface AnnotationOut {
  level: 'error' | 'warning';
  message: string;
  file?: string;
  line?: number;
  title?: string;
}

export const UNKNOWN_WARNING =
  "no comment syntax is known for this file type; map it in the config file's file-types, add it to ignore, or set unknown-types: ignore";

export interface Annotations {
  /** Per-file and run-level annotations, errors before warnings; the closing error is not among them. */
  annotations: AnnotationOut[];
  /** Failing files annotated, of all failing files. */
  shownErrors: number;
}

/** The annotations to write, within `settings.maxAnnotations` per level (the closing error counted). */
export function chooseAnnotations(result: ScanResult, settings: Settings): Annotations {
  const { failed, unknown } = tally(result.files);
  const cap = settings.maxAnnotations;
  const errorSlots = failed.length > 0 ? Math.max(0, cap - 1) : cap;
  const chosen = chooseFailures(failed, result.changed, errorSlots);
  const annotations: AnnotationOut[] = chosen.map((file) => failureAnnotation(file, settings));

  const notes = result.notes.slice(0, cap);
  for (const note of notes) annotations.push({ level: 'warning', message: note });
  const unknownWarned = settings.unknownTypes === 'warn' ? unknown.filter((file) => file.outcome !== 'failed') : [];
  const slots = cap - notes.length;
  // When they do not all fit, the last slot says how many more there are.
  const fileSlots = unknownWarned.length <= slots ? slots : Math.max(0, slots - 1);
  const shownUnknown = chooseUnknown(unknownWarned, result.changed, fileSlots);
  for (const file of shownUnknown) {
    annotations.push({
      level: 'warning',
      file: file.path,
      line: 1,
      title: FINDING_TITLES['unknown-type'],
      message: `${file.path}: not checked: ${UNKNOWN_WARNING}`,
    });
  }
  const more = unknownWarned.length - shownUnknown.length;
  if (more > 0 && slots > 0) {
    annotations.push({
      level: 'warning',
      message: `${more} more file(s) of unknown type were not checked (listed in the job summary and the unknown-files output): map their types in the config file's file-types, add them to ignore, or set unknown-types: ignore`,
    });
  }
  return { annotations, shownErrors: chosen.length };
}

function failureAnnotation(file: FileResult, settings: Settings): AnnotationOut {
  const first = file.findings[0] as Finding;
  const expected = file.expectedHeader ? `\nExpected header:\n${file.expectedHeader.join('\n')}` : '';
  const fixHint = settings.fix ? '' : canFix(file.findings) ? '\nRun with fix: true to repair it.' : '';
  return {
    level: 'error',
    file: file.path,
    line: first.line,
    title: FINDING_TITLES[first.kind],
    message: `${file.path}: ${describe(file.findings)}.${expected}${fixHint}`,
  };
}

export function describe(findings: readonly Finding[]): string {
  return findings.map((finding) => finding.message).join('; ');
}

/** Every finding is one fix mode repairs. */
export function canFix(findings: readonly Finding[]): boolean {
  return findings.length > 0 && findings.every((finding) => FIXABLE.has(finding.kind));
}

/** Changed files first, then one file per kind of problem not yet shown, then the rest in order. */
export function chooseFailures(
  failed: readonly FileResult[],
  changed: ReadonlySet<string> | undefined,
  slots: number,
): FileResult[] {
  if (failed.length <= slots) return [...failed];
  const chosen: FileResult[] = [];
  const taken = new Set<FileResult>();
  const shownKinds = new Set<FindingKind>();
  const take = (file: FileResult) => {
    chosen.push(file);
    taken.add(file);
    for (const finding of file.findings) shownKinds.add(finding.kind);
  };
  if (changed) {
    for (const file of failed) {
      if (chosen.length === slots) return chosen;
      if (changed.has(file.path)) take(file);
    }
  }
  // Indexed loops without callbacks: these visit thousands of files once, in code not warmed up.
  for (let index = 0; index < failed.length && chosen.length < slots; index++) {
    const file = failed[index] as FileResult;
    if (taken.has(file)) continue;
    for (let at = 0; at < file.findings.length; at++) {
      if (!shownKinds.has((file.findings[at] as Finding).kind)) {
        take(file);
        break;
      }
    }
  }
  if (chosen.length === slots) return chosen;
  for (const file of failed) {
    if (chosen.length === slots) return chosen;
    if (!taken.has(file)) take(file);
  }
  return chosen;
}

/** Changed files first, then one file per extension not yet shown, then the rest in order. */
function chooseUnknown(
  unknown: readonly FileResult[],
  changed: ReadonlySet<string> | undefined,
  slots: number,
): FileResult[] {
  if (unknown.length <= slots) return [...unknown];
  const chosen: FileResult[] = [];
  const taken = new Set<FileResult>();
  const extensions = new Set<string>();
  const take = (file: FileResult) => {
    chosen.push(file);
    taken.add(file);
    extensions.add(extensionOf(file.path));
  };
  for (const file of unknown) {
    if (chosen.length === slots) return chosen;
    if (changed?.has(file.path)) take(file);
  }
  for (const file of unknown) {
    if (chosen.length === slots) return chosen;
    if (!taken.has(file) && !extensions.has(extensionOf(file.path))) take(file);
  }
  for (const file of unknown) {
    if (chosen.length === slots) return chosen;
    if (!taken.has(file)) take(file);
  }
  return chosen;
}

function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? name : name.slice(dot);
}
