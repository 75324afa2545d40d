import { FakeSearch, recordingLogger } from '@dynamo-ci/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MetricsTarget } from '../src/inputs.js';
import { postBulk } from '../src/post.js';

describe('postBulk', () => {
  let search: FakeSearch;
  let target: MetricsTarget;
  const log = recordingLogger();
  const logs = log.lines;
  const options = { log, sleep: async () => {}, baseDelayMs: 1 };
  const chunk = (id: string) => `{"index":{"_index":"dynamo-ci-tests","_id":"${id}"}}\n{"record":"test"}\n`;

  beforeAll(async () => {
    search = await FakeSearch.start();
    search.auth = 'ApiKey k';
    target = {
      endpoint: `${search.url}/_bulk`,
      display: `${search.url}/_bulk`,
      authorization: 'ApiKey k',
      indexPrefix: 'dynamo-ci',
    };
  });
  beforeEach(() => {
    search.clearFaults();
    logs.length = 0;
  });
  afterAll(() => search.close());

  it('posts each chunk and counts documents; posting again updates instead of doubling', async () => {
    const result = await postBulk(target, [chunk('a'), chunk('b')], options);
    expect(result).toEqual({ documents: 2, rejected: 0, requests: 2 });
    await postBulk(target, [chunk('a')], options);
    expect(search.documents('dynamo-ci-tests')).toHaveLength(2);
  });

  it('waits out a 429 and retries a 5xx, a bounded number of times', async () => {
    search.fault({ path: '/_bulk', status: 429, headers: { 'retry-after': '2' }, times: 1 });
    search.fault({ path: '/_bulk', status: 502, times: 1 });
    expect((await postBulk(target, [chunk('c')], options)).requests).toBe(3);
    search.fault({ path: '/_bulk', status: 503 });
    await expect(postBulk(target, [chunk('d')], { ...options, attempts: 3 })).rejects.toThrow(/HTTP 503/);
    expect(logs.filter((line) => line.includes('retry'))).toHaveLength(2 + 2);
  });

  it('does not retry refused credentials, and reports documents the cluster refused', async () => {
    await expect(postBulk({ ...target, authorization: 'ApiKey wrong' }, [chunk('e')], options)).rejects.toThrow(
      /HTTP 401 missing authentication credentials/,
    );
    search.refuse.add('dynamo-ci-tests');
    try {
      const result = await postBulk(target, [chunk('f')], options);
      expect(result).toMatchObject({
        documents: 1,
        rejected: 1,
        firstError: 'cluster_block_exception: index [dynamo-ci-tests] blocked',
      });
    } finally {
      search.refuse.clear();
    }
  });
});
