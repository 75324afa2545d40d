/**
 * The `change-types` input and what it means for the diff. Light on purpose (core's git and
 * input parsers only): fast-path.ts uses it before the rest of the action loads, so the early diff
 * is started with exactly the arguments the action will ask for.
 */

import { InputError } from '@dynamo-ci/core/errors';
import {
  CHANGE_TYPES,
  type ChangeType,
  type DiffOptions,
  PLAIN_CHANGE_TYPES,
  STATUS_LETTERS,
} from '@dynamo-ci/core/git';
import { list } from '@dynamo-ci/core/inputs';

export function parseChangeTypes(raw: string | undefined): ChangeType[] {
  const values = list(raw);
  if (values.length === 0 || values.some((value) => value.toLowerCase() === 'all')) return [...CHANGE_TYPES];
  const types = new Set<ChangeType>();
  for (const value of values) {
    // A name, or git's status letter for it (ACMRDT).
    const named = STATUS_LETTERS[value] ?? value.toLowerCase();
    const type = CHANGE_TYPES.find((name) => name === named);
    if (type === undefined) {
      throw new InputError(
        'change-types',
        `Input 'change-types' must list some of ${CHANGE_TYPES.join('|')} (or git's letters ACMRDT, or all), got ${JSON.stringify(value)}`,
      );
    }
    types.add(type);
  }
  return [...types];
}

/**
 * Whether the diff needs git's rename detection. A rename counts as its old path when `renamed`
 * or `deleted` counts, and as its new path when `renamed` or `added` counts; without detection
 * git reports the same two paths as a deletion and an addition. So detection changes which paths
 * count only when `renamed` counts but `added` or `deleted` does not. Otherwise (the default
 * `all` included) it changes nothing but the order of the paths, and `git diff --no-renames`
 * answers about a third sooner on a big diff. The report file, which records each change's
 * type, always has it.
 */
export function detectsRenames(types: readonly ChangeType[], writeReport: boolean): boolean {
  return writeReport || (types.includes('renamed') && !(types.includes('added') && types.includes('deleted')));
}

/**
 * The diff the action asks git for. Without rename detection, and when every change type git
 * then reports counts (the default `all`), each path git lists counts and no status matters:
 * the paths alone (`--name-only`) are about half the parsing of a 50,000-file diff.
 */
export function diffOptions(types: readonly ChangeType[], writeReport: boolean): Required<DiffOptions> {
  const renames = detectsRenames(types, writeReport);
  return { renames, pathsOnly: !renames && PLAIN_CHANGE_TYPES.every((type) => types.includes(type)) };
}
