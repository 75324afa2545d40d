import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { recordingLogger, scratchDir } from '@dynamo-ci/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDurationsStore, DURATIONS_PATH } from '../src/durations-cache.js';

describe('durations cache without the Actions cache service', () => {
  const saved = { url: process.env.ACTIONS_CACHE_URL, results: process.env.ACTIONS_RESULTS_URL };
  beforeEach(() => {
    delete process.env.ACTIONS_CACHE_URL;
    delete process.env.ACTIONS_RESULTS_URL;
  });
  afterEach(() => {
    if (saved.url !== undefined) process.env.ACTIONS_CACHE_URL = saved.url;
    if (saved.results !== undefined) process.env.ACTIONS_RESULTS_URL = saved.results;
  });

  it('restores nothing, saves nothing, says so once, and leaves no file behind', async () => {
    const workspace = scratchDir('durations-');
    const log = recordingLogger();
    const store = createDurationsStore(workspace, { prefix: 'run-gpu-tests-durations-amd64', unique: '1-1-0' }, log);
    expect(await store.restore()).toBeUndefined();
    await store.save({ 'tests/test_a.py::test_x': 1.5 });
    expect(log.lines).toEqual(['The Actions cache service is not available here: shards are balanced by test count.']);
    expect(log.warnings).toEqual([]);
    expect(existsSync(join(workspace, DURATIONS_PATH))).toBe(false);
  });

  it('asks whether the service is available once per store, so save agrees with restore', async () => {
    let requests = 0;
    const server = createServer((request, response) => {
      requests++;
      request.resume();
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"bad request"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const workspace = scratchDir('durations-');
    const log = recordingLogger();
    const warnings = log.warnings;
    const store = createDurationsStore(workspace, { prefix: 'p', unique: '1-1-0' }, log);
    expect(await store.restore()).toBeUndefined();
    // The service appearing after restore changes nothing for this store.
    process.env.ACTIONS_CACHE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    process.env.ACTIONS_RUNTIME_TOKEN = 'token';
    try {
      await store.save({ a: 1 });
    } finally {
      delete process.env.ACTIONS_RUNTIME_TOKEN;
      delete process.env.ACTIONS_CACHE_URL;
      server.close();
    }
    expect(requests).toBe(0);
    expect(warnings).toEqual([]);
    expect(existsSync(join(workspace, DURATIONS_PATH))).toBe(false);
  });

  it('degrades to a warning when the service is configured but refuses', async () => {
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"bad request"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.ACTIONS_CACHE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    process.env.ACTIONS_RUNTIME_TOKEN = 'token';
    const workspace = scratchDir('durations-');
    const log = recordingLogger();
    const warnings = log.warnings;
    const store = createDurationsStore(workspace, { prefix: 'p', unique: '1-1-0' }, log);
    expect(await store.restore()).toBeUndefined();
    await store.save({ a: 1 });
    delete process.env.ACTIONS_RUNTIME_TOKEN;
    server.close();
    expect(existsSync(join(workspace, DURATIONS_PATH))).toBe(false);
    // @actions/cache logs its own warnings for network errors; ours appear only when it throws.
    for (const warning of warnings) expect(warning).toMatch(/^Could not (restore|save)/);
  });
});
