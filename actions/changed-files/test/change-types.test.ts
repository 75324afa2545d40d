/**
 * Rename detection is skipped where it cannot change the result: checked on a real diff with
 * every kind of change, for every combination of change types, and the early diff must start
 * exactly the diff the action then asks for.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHANGE_TYPES,
  type ChangeSet,
  type ChangeType,
  changedPaths,
  changeSetPaths,
  execCollect,
  GIT_CONFIG_ARGS,
  Git,
  gitEnv,
  stopChild,
} from '@dynamo-ci/core';
import { GitRepo } from '@dynamo-ci/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectsRenames, diffOptions, parseChangeTypes } from '../src/change-types.js';
import { detect } from '../src/detect.js';
import { startEarlyDiff } from '../src/fast-path.js';
import { parseInputs } from '../src/inputs.js';

let repo: GitRepo;
let base: string;
let head: string;

beforeAll(() => {
  repo = GitRepo.init();
  const body = (name: string) => `${name}\n${'a line long enough for rename detection\n'.repeat(20)}`;
  repo.write({ 'a/moved.py': body('moved'), 'edited.py': body('edited'), 'gone.py': body('gone') });
  repo.write({ 'b/renamed and edited.md': body('renamed'), 'to-link': 'plain file\n' });
  base = repo.commit('base');
  repo.move('a/moved.py', 'z/moved.py');
  repo.move('b/renamed and edited.md', 'c/renamed.md');
  writeFileSync(join(repo.dir, 'c/renamed.md'), `${body('renamed')}one more line\n`);
  repo.write({ 'edited.py': `${body('edited')}changed\n`, 'new.py': 'new\n' });
  repo.remove('gone.py', 'to-link');
  repo.symlink('to-link', 'edited.py');
  head = repo.commit('head');
});

const changeSet: ChangeSet = { base: 'a', head: 'b', files: [], source: 'git', reason: '' };

/** Every subset of the change types. */
function subsets(): ChangeType[][] {
  return Array.from({ length: 1 << CHANGE_TYPES.length }, (_, mask) =>
    CHANGE_TYPES.filter((_, bit) => (mask & (1 << bit)) !== 0),
  ).filter((types) => types.length > 0);
}

describe('rename detection', () => {
  it('is skipped only where the paths that count are the same without it', async () => {
    const git = new Git(repo.dir);
    const withRenames = await git.diff(base, head);
    const without = await git.diff(base, head, { renames: false });
    expect(withRenames.filter((change) => change.status === 'renamed')).toHaveLength(2);
    let needed = 0;
    for (const types of subsets()) {
      const detected = new Set(changedPaths(withRenames, types));
      const plain = new Set(changedPaths(without, types));
      if (!detectsRenames(types, false)) expect(plain, types.join(',')).toEqual(detected);
      else {
        // Where it is kept, it does matter: a rename is not a deletion plus an addition there.
        expect(plain, types.join(',')).not.toEqual(detected);
        needed++;
      }
    }
    // `renamed` with 3 of the 4 combinations of `added` and `deleted`, times 8 of the other three types.
    expect(needed).toBe(24);
    expect(detectsRenames([...CHANGE_TYPES], true)).toBe(true);
  });

  it('asks for the paths alone only where every path of the diff without renames counts', async () => {
    const git = new Git(repo.dir);
    const without = await git.diff(base, head, { renames: false });
    const listing = await git.diffPaths(base, head);
    const pathsOnly = listing.paths;
    let alone = 0;
    for (const types of subsets()) {
      const options = diffOptions(types, false);
      if (!options.pathsOnly) continue;
      alone++;
      expect(options.renames).toBe(false);
      expect(pathsOnly, types.join(',')).toEqual(changedPaths(without, types));
      expect(changeSetPaths({ ...changeSet, listing }, types)).toBe(pathsOnly);
    }
    // added, modified, deleted and type-changed, with any of renamed and copied.
    expect(alone).toBe(4);
    expect(diffOptions([...CHANGE_TYPES], true)).toEqual({ renames: true, pathsOnly: false });
    expect(diffOptions(['added', 'modified', 'deleted'], false)).toEqual({ renames: false, pathsOnly: false });
    // A paths-only change set cannot answer a narrower question.
    expect(() => changeSetPaths({ ...changeSet, listing }, ['added'])).toThrow(/paths-only/);
  });

  it.each([
    ['', ''],
    ['all', 'false'],
    ['A,M,D', ''],
    ['renamed', ''],
    ['added\nrenamed', ''],
    ['R, D, A', ''],
    ['', 'true'],
  ])('starts early exactly the diff the action runs (change-types %j, write-report %j)', async (types, report) => {
    const environment: NodeJS.ProcessEnv = {
      GITHUB_WORKSPACE: repo.dir,
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      'INPUT_BASE-SHA': base,
      'INPUT_HEAD-SHA': head,
      'INPUT_CHANGE-TYPES': types,
      'INPUT_WRITE-REPORT': report,
      INPUT_FILTERS: "everything: ['**']",
    };
    const early = startEarlyDiff(environment);
    expect(early).toBeDefined();
    if (early) stopChild(early.child);
    const inputs = parseInputs((name) => environment[`INPUT_${name.toUpperCase()}`]);
    expect(inputs.changeTypes).toEqual(parseChangeTypes(types));
    // Every command the action runs goes through the runner, which records it.
    const asked: (readonly string[])[] = [];
    const git = new Git(repo.dir, (args, options = {}) => {
      asked.push(args);
      return execCollect('git', [...GIT_CONFIG_ARGS, ...args], {
        ...options,
        cwd: options.cwd ?? repo.dir,
        env: gitEnv(options.env ?? process.env),
      });
    });
    await detect(inputs, {
      git,
      cwd: repo.dir,
      context: { eventName: 'workflow_dispatch', payload: {}, sha: head, ref: 'refs/heads/main' },
    });
    expect(asked.filter((args) => args[0] === 'diff-tree')).toEqual([early?.args]);
  });
});
