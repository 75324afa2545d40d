/**
 * Matching paths in any order, each path on its own. Applying a group's patterns in order, a
 * path is in the group when the LAST of its patterns that matches is positive (none matching:
 * only when the group is all `!` patterns). Most paths only have hits that depend on their folder
 * and extension (the folder's `dir/**` globs, `**\/*.md`, `**`), so their groups are worked out
 * once per folder and extension and reused; the others go through every hit.
 */
import { CHILDREN, type CompiledFilters, type GlobTest, type MatchRuns, SUBTREE } from './glob-index.js';

/** Which groups each path is in, path by path (see the module comment). */
export function matchEach({ index: globs, programs, coverage }: CompiledFilters, paths: readonly string[]): MatchRuns {
  const { tests, byPath, byExtension, byBaseName, byDirectory, directoryShape, always, everywhere } = globs;
  // Applying patterns in order, each matching positive sets "in" and each matching negation
  // sets "out", so a group's verdict is the sign of its LAST matching pattern (none matching:
  // "in" only for all-negation groups). Per glob: its last position in each group, flattened.
  const occurrenceStart = new Int32Array(tests.length + 1);
  const occurrenceProgram: number[] = [];
  const occurrencePosition: number[] = [];
  const occurrencePositive: boolean[] = [];
  const lastPositions = programs.map((program) => {
    const last = new Map<number, number>();
    program.ids.forEach((id, step) => {
      last.set(id, step);
    });
    return last;
  });
  for (let id = 0; id < tests.length; id++) {
    occurrenceStart[id] = occurrenceProgram.length;
    lastPositions.forEach((last, programIndex) => {
      const step = last.get(id);
      if (step === undefined) return;
      occurrenceProgram.push(programIndex);
      occurrencePosition.push(step);
      occurrencePositive.push((programs[programIndex] as (typeof programs)[number]).negated[step] === 0);
    });
  }
  occurrenceStart[tests.length] = occurrenceProgram.length;
  const programCount = programs.length;
  const decidedAt = new Uint32Array(programCount);
  const decidedPosition = new Int32Array(programCount);
  const decidedIn = new Uint8Array(programCount);
  const initiallyIn = programs.map((program) => program.allNegative);
  // Cheap guards before hashing a string: a key's length and last two characters (a path's
  // base name and the path end with the same characters).
  const fingerprints = (map: Map<string, unknown>) => {
    const flags = new Uint8Array(FINGERPRINTS);
    for (const key of map.keys()) {
      if (key !== '') flags[fingerprintOf(key, key.length)] = 1;
    }
    return flags;
  };
  const pathFlags = fingerprints(byPath);
  const baseNameFlags = fingerprints(byBaseName);
  const directoryFlags = fingerprints(byDirectory);
  const hasExtensions = byExtension.size > 0;
  const hasDirectories = byDirectory.size > 0;
  // Per folder: globs that surely match every file in it (`dir/**` of an ancestor, `dir/*` of
  // the folder itself) and globs that need a test (`container/templates/dynamo_*`).
  const directoryCandidates = new Map<string, DirectoryCandidates>();
  const interned = new Map<string, DirectoryCandidates>();
  let lastDirectory: string | undefined;
  let lastCandidates: DirectoryCandidates = { sure: [], test: [] };
  const runs: number[][] = programs.map(() => []);
  const uncovered: string[] = [];
  const hasCoverageGroup = coverage.some(Boolean);
  let stamp = 0;
  const hit = (id: number) => {
    const end = occurrenceStart[id + 1] as number;
    for (let index = occurrenceStart[id] as number; index < end; index++) {
      const program = occurrenceProgram[index] as number;
      const position = occurrencePosition[index] as number;
      if (decidedAt[program] !== stamp || position > (decidedPosition[program] as number)) {
        decidedAt[program] = stamp;
        decidedPosition[program] = position;
        decidedIn[program] = occurrencePositive[index] ? 1 : 0;
      }
    }
  };
  const hitAll = (list: number[] | undefined) => {
    if (list !== undefined) for (let index = 0; index < list.length; index++) hit(list[index] as number);
  };
  const testAll = (list: number[] | undefined, path: string) => {
    if (list === undefined) return;
    for (let index = 0; index < list.length; index++) {
      const id = list[index] as number;
      if ((tests[id] as GlobTest)(path)) hit(id);
    }
  };
  const rootOnly = globs.rootOnly;
  /** The groups a path is in, given its hits so far (`hit` calls since `stamp++`). */
  const verdict = (): Membership => {
    const members: number[] = [];
    let covered = false;
    for (let programIndex = 0; programIndex < programCount; programIndex++) {
      const isIn = decidedAt[programIndex] === stamp ? decidedIn[programIndex] === 1 : initiallyIn[programIndex];
      if (isIn) {
        members.push(programIndex);
        if (coverage[programIndex]) covered = true;
      }
    }
    return { members, covered: covered || !hasCoverageGroup };
  };
  // Per folder and extension (`''`: none), the verdict from the hits that depend on nothing else.
  const shared = new Map<DirectoryCandidates, Map<string, Membership>>();
  const noTests: number[] = [];
  let lastShared: Map<string, Membership> = new Map();
  let lastExtension = '';
  let lastMembership: Membership | undefined;
  // The loop is split into small functions: V8 optimizes small functions much sooner, which is
  // what counts for a single pass over the paths.
  /** Paths come grouped by folder (git sorts them): look a folder's globs up once. */
  const enterFolder = (path: string, slash: number): void => {
    lastDirectory = slash === -1 ? '' : path.slice(0, slash);
    let candidates = directoryCandidates.get(lastDirectory);
    if (candidates === undefined) {
      candidates = { sure: [], test: [] };
      for (let at = path.indexOf('/'); at !== -1 && at <= slash; at = path.indexOf('/', at + 1)) {
        for (const id of byDirectory.get(path.slice(0, at)) ?? []) {
          const shape = directoryShape[id];
          if (shape === SUBTREE || (shape === CHILDREN && at === slash)) candidates.sure.push(id);
          else if (shape !== CHILDREN) candidates.test.push(id);
        }
      }
      // Folders with the same globs share one object, and so their verdicts per extension.
      const key = `${candidates.sure.join(',')}|${candidates.test.join(',')}`;
      candidates = interned.get(key) ?? candidates;
      interned.set(key, candidates);
      directoryCandidates.set(lastDirectory, candidates);
    }
    if (candidates !== lastCandidates) {
      lastMembership = undefined;
      lastCandidates = candidates;
      let known = shared.get(candidates);
      if (known === undefined) {
        known = new Map();
        shared.set(candidates, known);
      }
      lastShared = known;
    }
  };
  /** The verdict of a path whose hits depend only on its folder and extension. */
  const sharedVerdict = (path: string, dot: number, extensionLength: number): Membership => {
    const extension = extensionLength > 0 ? path.slice(dot + 1) : extensionLength === 0 ? '.' : '';
    let known = lastShared.get(extension);
    if (known === undefined) {
      stamp++;
      hitAll(always);
      hitAll(lastCandidates.sure);
      if (extensionLength > 0 && hasExtensions) hitAll(byExtension.get(extension));
      known = verdict();
      lastShared.set(extension, known);
    }
    lastMembership = extensionLength > 0 ? known : undefined;
    lastExtension = extension;
    return known;
  };
  /** The verdict of any path, from all its hits. */
  const pathVerdict = (path: string, slash: number, dot: number, tested: number[]): Membership => {
    stamp++;
    hitAll(always);
    const whole = fingerprintOf(path, path.length);
    if (pathFlags[whole] === 1) hitAll(byPath.get(path));
    if (baseNameFlags[fingerprintOf(path, path.length - slash - 1)] === 1)
      hitAll(byBaseName.get(path.slice(slash + 1)));
    if (hasExtensions && dot > slash && dot < path.length - 1) hitAll(byExtension.get(path.slice(dot + 1)));
    if (hasDirectories) {
      hitAll(lastCandidates.sure);
      testAll(lastCandidates.test, path);
      // `dir/**` also matches the path `dir` itself.
      if (directoryFlags[whole] === 1) testAll(byDirectory.get(path), path);
    }
    testAll(tested, path);
    testAll(everywhere, path);
    return verdict();
  };
  const membershipOf = (path: string, slash: number): Membership => {
    const dot = path.lastIndexOf('.');
    const extensionLength = dot > slash ? path.length - dot - 1 : -1;
    const tested = slash === -1 ? rootOnly : noTests;
    const whole = fingerprintOf(path, path.length);
    if (
      pathFlags[whole] === 1 ||
      baseNameFlags[fingerprintOf(path, path.length - slash - 1)] === 1 ||
      (hasDirectories && directoryFlags[whole] === 1) ||
      lastCandidates.test.length !== 0 ||
      everywhere.length !== 0 ||
      tested.length !== 0
    ) {
      return pathVerdict(path, slash, dot, tested);
    }
    if (
      lastMembership !== undefined &&
      extensionLength === lastExtension.length &&
      path.endsWith(lastExtension) &&
      path.charCodeAt(dot) === 46
    ) {
      return lastMembership;
    }
    return sharedVerdict(path, dot, extensionLength);
  };
  if (!hasDirectories) enterFolder('', -1);
  for (let pathIndex = 0; pathIndex < paths.length; pathIndex++) {
    const path = paths[pathIndex] as string;
    const slash = path.lastIndexOf('/');
    if (
      hasDirectories &&
      (lastDirectory === undefined ||
        lastDirectory.length !== Math.max(slash, 0) ||
        (slash > 0 && !path.startsWith(lastDirectory)))
    ) {
      enterFolder(path, slash);
    }
    const membership = membershipOf(path, slash);
    const members = membership.members;
    for (let index = 0; index < members.length; index++) {
      const run = runs[members[index] as number] as number[];
      const end = run.length - 1;
      if (end > 0 && run[end] === pathIndex) run[end] = pathIndex + 1;
      else run.push(pathIndex, pathIndex + 1);
    }
    if (!membership.covered) uncovered.push(path);
  }
  return { runs, uncovered };
}

interface DirectoryCandidates {
  /** Globs that match every file in the folder. */
  sure: number[];
  /** Globs to test on each file of the folder. */
  test: number[];
}

/** The groups (program indexes) a path is in, and whether one of them counts for coverage. */
interface Membership {
  members: number[];
  covered: boolean;
}

const FINGERPRINTS = 1 << 20;
/**
 * The fingerprint of the last `length` characters of `text` (a path, or its base name): that
 * length and the last two characters, folded into 20 bits.
 */
function fingerprintOf(text: string, length: number): number {
  const end = text.length;
  const secondLast = length >= 2 ? text.charCodeAt(end - 2) : 0;
  return ((length & 255) << 12) | ((text.charCodeAt(end - 1) & 63) << 6) | (secondLast & 63);
}
