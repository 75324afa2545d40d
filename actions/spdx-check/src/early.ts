/**
 * Git commands started before the rest of the bundle loads (as changed-files does): loading the rest
 * (core, picomatch, the SPDX lists) takes over ten milliseconds, and so do the first git
 * processes. `rev-parse --show-toplevel --show-prefix` always runs first; a full scan
 * (`scope: all` as an input) also lists the tracked files. main.ts takes these results when they
 * were started in the folder it resolves (core's `Git.adopt` for the listing); a guess nobody uses
 * is stopped. Correctness never depends on this module.
 *
 * It imports nothing heavy: only core's git module.
 */
import { resolve } from 'node:path';
import { stopChild } from '@dynamo-ci/core/exec';
import { type StartedGit, startGit } from '@dynamo-ci/core/git';

export interface EarlyGit {
  /** Where git runs (the resolved `working-directory`). */
  cwd: string;
  location: StartedGit;
  listing?: StartedGit;
}

/** The arguments `listTracked` runs git with (after core's `GIT_CONFIG_ARGS`). */
export const LS_FILES_ARGS: readonly string[] = ['ls-files', '-z', '--full-name', '--', '.'];
export const LOCATION_ARGS: readonly string[] = ['rev-parse', '--show-toplevel', '--show-prefix'];

/** Start the likely first git commands, or nothing. Never throws: this is only a head start. */
export function startEarlyGit(environment: NodeJS.ProcessEnv = process.env): EarlyGit | undefined {
  try {
    const cwd = resolve(
      environment.GITHUB_WORKSPACE || process.cwd(),
      environment['INPUT_WORKING-DIRECTORY']?.trim() || '.',
    );
    const location = startGit(cwd, LOCATION_ARGS, environment);
    location.child.on('error', () => {});
    if (environment.INPUT_SCOPE?.trim() !== 'all') return { cwd, location };
    const listing = startGit(cwd, LS_FILES_ARGS, environment);
    listing.child.on('error', () => {});
    return { cwd, location, listing };
  } catch {
    return undefined;
  }
}

/** Stop what nobody used (a git waiting on a full pipe would otherwise keep the job alive). */
export function stopEarlyGit(early: EarlyGit | undefined): void {
  for (const started of [early?.location, early?.listing]) {
    const child = started?.child;
    if (child) stopChild(child);
  }
}
