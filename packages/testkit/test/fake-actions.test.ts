import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArtifactStore, FakeGitHub, scratchDir, zip } from '../src/index.js';

/** Python's zipfile, an independent reader, lists and reads what the writer made. */
function readWithPython(archive: Buffer): Record<string, string> {
  const dir = scratchDir('zip-check-');
  try {
    writeFileSync(join(dir, 'a.zip'), archive);
    const script =
      'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n' +
      'print(json.dumps({n: z.read(n).decode("utf-8") for n in z.namelist()}))';
    return JSON.parse(execFileSync('python3', ['-c', script, join(dir, 'a.zip')], { encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('zip', () => {
  it('writes archives that another reader opens, deflated or stored, with UTF-8 names', () => {
    const files = { 'junit-all.xml': '<testsuites/>\n'.repeat(100), 'dir/ünï.txt': 'ok', 'empty.txt': '' };
    expect(readWithPython(zip(files))).toEqual(files);
    expect(readWithPython(zip(new Map(Object.entries(files)), { store: true }))).toEqual(files);
    expect(zip(files).equals(zip(files))).toBe(true);
  });
});

describe('FakeGitHub Actions runs and artifacts', () => {
  let fake: FakeGitHub;
  const get = (path: string, init?: RequestInit) => fetch(`${fake.url}${path}`, init);

  beforeAll(async () => {
    fake = await FakeGitHub.start();
    const run = (id: number, branch: string, created: string, extra = {}) =>
      fake.addRun({
        id,
        workflow_id: 42,
        path: '.github/workflows/nightly.yml',
        head_branch: branch,
        created_at: created,
        ...extra,
      });
    run(1, 'main', '2026-01-01T00:00:00Z');
    run(2, 'feature', '2026-01-02T00:00:00Z');
    run(3, 'main', '2026-01-03T00:00:00Z', { status: 'in_progress', conclusion: null });
    run(4, 'main', '2026-01-04T00:00:00Z', { workflow_id: 7, path: '.github/workflows/other.yml' });
    fake.addArtifact(1, { name: 'test-results-a', files: { 'junit-all.xml': '<testsuites/>' } });
    fake.addArtifact(1, { name: 'old', files: { x: 'y' }, expired: true });
  });
  afterAll(() => fake.close());

  it("lists a workflow's runs by id or file name, newest first, filtered by branch and status", async () => {
    const ids = async (path: string) =>
      ((await (await get(path)).json()) as { workflow_runs: { id: number }[] }).workflow_runs.map((run) => run.id);
    expect(await ids('/repos/o/r/actions/workflows/42/runs')).toEqual([3, 2, 1]);
    expect(await ids('/repos/o/r/actions/workflows/nightly.yml/runs?branch=main')).toEqual([3, 1]);
    expect(await ids('/repos/o/r/actions/workflows/nightly.yml/runs?branch=main&status=completed')).toEqual([1]);
    expect(await ids('/repos/o/r/actions/runs?branch=main')).toEqual([4, 3, 1]);
    const one = (await (await get('/repos/o/r/actions/runs/1')).json()) as Record<string, unknown>;
    expect(one).toMatchObject({ id: 1, head_branch: 'main', head_repository: { full_name: 'o/r' } });
  });

  it('lists artifacts with their digest and serves the zip through a 302 to a signed blob URL', async () => {
    const list = (await (await get('/repos/o/r/actions/runs/1/artifacts')).json()) as {
      total_count: number;
      artifacts: { id: number; name: string; expired: boolean; digest: string; size_in_bytes: number }[];
    };
    expect(list.total_count).toBe(2);
    const [results, old] = list.artifacts as [(typeof list.artifacts)[0], (typeof list.artifacts)[0]];
    expect(results).toMatchObject({ name: 'test-results-a', expired: false });
    expect(old.expired).toBe(true);

    const redirect = await get(`/repos/o/r/actions/artifacts/${results.id}/zip`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location') as string;
    const blob = await fetch(location);
    expect(blob.headers.get('content-type')).toBe('application/zip');
    const archive = Buffer.from(await blob.arrayBuffer());
    expect(archive.length).toBe(results.size_in_bytes);
    expect(readWithPython(archive)).toEqual({ 'junit-all.xml': '<testsuites/>' });
    expect((await fetch(location.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(403);

    expect((await get(`/repos/o/r/actions/artifacts/${old.id}/zip`, { redirect: 'manual' })).status).toBe(410);
    expect((await get('/repos/o/r/actions/artifacts/1/zip', { redirect: 'manual' })).status).toBe(404);
  });

  it('reads artifacts from another store, such as a workflow engine keeps, at request time', async () => {
    const uploaded = new Map<number, { name: string; files: Record<string, string> }[]>();
    const store: ArtifactStore = { list: (runId) => uploaded.get(runId) ?? [] };
    const other = await FakeGitHub.start();
    try {
      other.artifactStore = store;
      const names = async () =>
        (
          (await (await fetch(`${other.url}/repos/o/r/actions/runs/9/artifacts`)).json()) as {
            artifacts: { name: string }[];
          }
        ).artifacts.map((artifact) => artifact.name);
      expect(await names()).toEqual([]);
      uploaded.set(9, [{ name: 'test-results-b', files: { 'junit-all.xml': '<x/>' } }]);
      expect(await names()).toEqual(['test-results-b']);
      expect(() => other.addArtifact(9, { name: 'n', files: {} })).toThrow(/another ArtifactStore/);
    } finally {
      await other.close();
    }
  });
});
