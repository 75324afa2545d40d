/**
 * Past test durations kept with `@actions/cache`. Cache keys are immutable, so each run saves a
 * new key under one prefix and the next run restores the newest by prefix. Every call degrades to
 * "no durations" with a note when the cache service is absent (local runs, GHES without cache) or
 * fails: shards then balance by test count instead of failing the tests.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Logger, messageOf } from '@dynamo-ci/core';
import type { DurationsStore } from './run.js';
import type { Durations } from './shard.js';

/**
 * @actions/cache (with the Azure storage client) is over 2 MiB of code: loaded only when a sharded
 * run actually reads or writes durations, not at every start.
 */
const loadCache = () => import('@actions/cache');

/** Relative to the workspace, so the cache version (which hashes the paths) matches on every runner. */
export const DURATIONS_PATH = '.dynamo-ci/run-gpu-tests-durations.json';

export interface CacheKeys {
  /** The prefix every run of this selection shares, e.g. `run-gpu-tests-durations-amd64`. */
  prefix: string;
  /** Unique to this save: run id, attempt and shard. */
  unique: string;
}

export function createDurationsStore(workspace: string, keys: CacheKeys, log: Logger): DurationsStore {
  const file = join(workspace, DURATIONS_PATH);
  // Asked once per store: restore and save see the same answer.
  let availability: Promise<boolean> | undefined;
  const available = () => {
    availability ??= (async () => {
      // Without the runner's cache service variables there is nothing to load the client for.
      if (!process.env.ACTIONS_CACHE_URL && !process.env.ACTIONS_RESULTS_URL) return false;
      try {
        return (await loadCache()).isFeatureAvailable();
      } catch {
        return false;
      }
    })();
    return availability;
  };
  return {
    async restore() {
      if (!(await available())) {
        log.info('The Actions cache service is not available here: shards are balanced by test count.');
        return undefined;
      }
      try {
        const hit = await (await loadCache()).restoreCache([DURATIONS_PATH], `${keys.prefix}-${keys.unique}`, [
          `${keys.prefix}-`,
        ]);
        if (hit === undefined || !existsSync(file)) return undefined;
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
        return isDurations(parsed) ? parsed : undefined;
      } catch (error) {
        log.warning(`Could not restore past test durations (${messageOf(error)}); shards are balanced by test count.`);
        return undefined;
      } finally {
        rmSync(file, { force: true });
      }
    },
    async save(durations) {
      if (!(await available())) return;
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(durations));
        await (await loadCache()).saveCache([DURATIONS_PATH], `${keys.prefix}-${keys.unique}`);
      } catch (error) {
        log.warning(`Could not save test durations for the next shard plan (${messageOf(error)}).`);
      } finally {
        rmSync(file, { force: true });
      }
    },
  };
}

function isDurations(value: unknown): value is Durations {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((seconds) => typeof seconds === 'number' && Number.isFinite(seconds))
  );
}
