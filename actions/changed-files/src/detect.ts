/**
 * The decision: which filter groups the run's change set touches. Pure apart from the ports:
 * git and the GitHub API come in through `resolveChangeSet`'s ports, the filters file through
 * `loadFilters`.
 */
import { isAscii } from 'node:buffer';
import {
  type ChangeSet,
  type ChangeSetApi,
  ConfigError,
  changeSetPaths,
  everythingChanged,
  type FilterConfig,
  type FilterFinding,
  FilterMatcher,
  type Git,
  type GitHubContext,
  type Logger,
  lintFilters,
  loadFilters,
  resolveChangeSet,
} from '@dynamo-ci/core';
import { diffOptions } from './change-types.js';
import type { Inputs } from './inputs.js';

export interface DetectPorts {
  git: Git;
  context: Pick<GitHubContext, 'eventName' | 'payload' | 'sha' | 'ref'>;
  /** Where the filters file and the repository are (`working-directory` resolved). */
  cwd: string;
  api?: () => Promise<ChangeSetApi>;
  log?: Logger;
}

export interface FilterOutcome {
  name: string;
  changed: boolean;
  /** How many changed paths the filter matched. */
  count: number;
  /** The matched paths (made when first read: on a big diff only the runs are needed). */
  readonly files: string[];
  /** `files` as runs of consecutive indexes into `Detection.paths`: flattened `[start, end)` pairs. */
  runs: number[];
  /** A catch-all group (`all: ['**']`): it does not count towards coverage. */
  catchAll: boolean;
}

export interface Detection {
  config: FilterConfig;
  findings: FilterFinding[];
  changeSet: ChangeSet;
  /** Every changed path considered (after `change-types`), in diff order. */
  paths: string[];
  filters: FilterOutcome[];
  /** Changed paths no (non-catch-all) filter matches. */
  uncovered: string[];
  /** Every filter is true without a diff: `force-all`, or no base to compare with. */
  everything: boolean;
}

/** Outputs the action always sets; a filter may not take these names. */
export const RESERVED_OUTPUTS = ['changes', 'files', 'uncovered', 'base-sha', 'head-sha', 'source', 'reason'];

export async function detect(inputs: Inputs, ports: DetectPorts): Promise<Detection> {
  const config = loadFilters(inputs.filters, ports.cwd);
  checkFilterNames(config);
  const findings = lintFilters(config);
  // Compiled while git works on the diff.
  const matcher = new FilterMatcher(config.groups);

  const changeSet: ChangeSet = inputs.forceAll
    ? everythingChanged('force-all: true; every filter counts as changed', inputs.headSha ?? ports.context.sha)
    : await resolveChangeSet(
        {
          context: ports.context,
          baseSha: inputs.baseSha,
          headSha: inputs.headSha,
          prBranchPattern: inputs.prBranchPattern,
          ...diffOptions(inputs.changeTypes, inputs.writeReport),
        },
        { git: ports.git, api: ports.api, log: ports.log },
      );

  if (changeSet.source === 'none') {
    return {
      config,
      findings,
      changeSet,
      paths: [],
      filters: config.groups.map((group) => ({
        name: group.name,
        changed: true,
        count: 0,
        files: [],
        runs: [],
        catchAll: false,
      })),
      uncovered: [],
      everything: true,
    };
  }
  const paths = changeSetPaths(changeSet, inputs.changeTypes);
  // git's own listing of exactly these paths: all ASCII, it is in JavaScript's string order too.
  const listing = paths === changeSet.listing?.paths ? changeSet.listing.bytes : undefined;
  const matched = matcher.match(paths, { ascending: listing !== undefined && isAscii(listing) });
  return {
    config,
    findings,
    changeSet,
    paths,
    filters: matched.groups.map((group) => {
      const count = group.count;
      return {
        name: group.name,
        changed: count > 0,
        count,
        get files() {
          return group.files;
        },
        runs: group.runs,
        catchAll: group.catchAll,
      };
    }),
    uncovered: matched.uncovered,
    everything: false,
  };
}

/**
 * Filter names become output names (`<name>`, `<name>_files`, `<name>_count`): `parseFilters`
 * admits only names usable in `steps.<id>.outputs.<name>`; here they must not collide with each
 * other or the fixed outputs.
 */
export function checkFilterNames(config: FilterConfig): void {
  const where = config.file ?? "the inline 'filters'";
  const taken = new Map<string, string>(RESERVED_OUTPUTS.map((name) => [name, `the action's own output '${name}'`]));
  for (const group of config.groups) {
    const at = `${where} line ${group.line ?? '?'}`;
    for (const output of [group.name, `${group.name}_files`, `${group.name}_count`]) {
      const owner = taken.get(output);
      if (owner) {
        throw new ConfigError(
          `${at}: filter '${group.name}' would set output '${output}', which is ${owner}; rename the filter.`,
        );
      }
      taken.set(output, `the output of filter '${group.name}'`);
    }
  }
}
