/**
 * The workflow engine on tiny fixture workflows (test/fixtures/engine): needs, if, outputs, env
 * at every level, continue-on-error, matrix expansion and fail-fast, reusable calls with typed
 * inputs, secrets and outputs, shims, an action without a shim, cancellation, branch/path
 * filters, and the jobs API registration.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../src/fake-github.js';
import { GitRepo } from '../src/git-repo.js';
import { scratchDir } from '../src/index.js';
import { type EventResult, type JobRecord, runEvent } from '../src/workflow/index.js';

const fixture = join(import.meta.dirname, 'fixtures', 'engine');
let root: string;
let github: FakeGitHub;
let result: EventResult;
let sha: string;

const job = (name: string) =>
  result.runs.flatMap((run) => run.jobs).find((record) => record.name === name) as JobRecord;
const step = (record: JobRecord, id: string) => record.steps.find((entry) => entry.id === id);

beforeAll(async () => {
  root = scratchDir('engine-test-');
  const repo = GitRepo.init(join(root, 'repo'));
  cpSync(fixture, repo.dir, { recursive: true });
  sha = repo.commit('fixtures');
  github = await FakeGitHub.start();
  result = await runEvent({
    repository: { name: 'acme/app', root: repo.dir },
    event: { name: 'push', ref: 'refs/heads/main', sha, payload: { ref: 'refs/heads/main', after: sha } },
    github,
    runId: 100,
    secrets: { GITHUB_TOKEN: 'ghs_test', CALLER_TOKEN: 's3cret' },
    root: join(root, 'work'),
    hooks: {
      runner: (labels) => (labels.includes('gpu-box') ? { run: false, reason: 'needs a GPU' } : { run: true }),
      cancel: [{ job: 'slow', afterMs: 1500, scope: 'job' }],
    },
  });
}, 120_000);

afterAll(async () => {
  await github?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the workflow engine', () => {
  it('starts the workflows whose on: the push matches, and says why the others did not start', () => {
    expect(result.runs.map((run) => run.workflow)).toEqual(['actions.yml', 'caller.yml', 'graph.yml', 'matrix.yml']);
    expect(result.notStarted).toEqual([
      { workflow: 'filtered.yml', reason: 'branches filter [release/**] does not match main' },
      { workflow: 'reusable.yml', reason: 'not on push' },
    ]);
  });

  it('passes env (workflow, job, step, GITHUB_ENV) and step outputs into job outputs and needs', () => {
    expect(job('produce').outputs).toEqual({ answer: 'workflow-job-step' });
    expect(step(job('produce'), 'later')?.conclusion).toBe('success');
    expect(job('consume').conclusion).toBe('success');
  });

  it('keeps a continue-on-error step failed in outcome, succeeded in conclusion', () => {
    expect(step(job('flaky'), 'tolerated')).toMatchObject({ outcome: 'failure', conclusion: 'success' });
    expect(step(job('flaky'), 'after')?.outputs).toEqual({ outcome: 'failure conclusion=success' });
    expect(job('flaky').conclusion).toBe('success');
  });

  it('skips steps after a failure except failure() ones; tells a need skip from a condition skip', () => {
    const broken = job('broken');
    expect(broken.conclusion).toBe('failure');
    expect(step(broken, 'skipped-step')).toMatchObject({ conclusion: 'skipped', reason: 'if: success() is false' });
    expect(step(broken, 'on-failure')?.conclusion).toBe('success');
    expect(job('after-broken')).toMatchObject({ conclusion: 'skipped', reason: 'skipped: needs broken (failure)' });
    expect(job('by-condition').reason).toBe("skipped: if: github.ref == 'refs/heads/other' is false");
    expect(step(job('report'), 'results')?.outputs.seen).toBe('failure,success');
  });

  it('masks secrets and ::add-mask:: values in what a step printed', () => {
    expect(step(job('secretive'), 'talk')?.result?.log).toEqual(['token is ***', 'then ***']);
  });

  it('expands a matrix with exclude and include, runs what it can, and names the legs', () => {
    const legs = result.runs
      .find((run) => run.workflow === 'matrix.yml')
      ?.jobs.filter((record) => record.id === 'legs');
    expect(legs?.map((leg) => leg.name)).toEqual([
      'legs (linux, 1, yes)',
      'legs (linux, 2, yes)',
      'legs (gpu-box, 2)',
      'legs (other, 9)',
    ]);
    expect(legs?.map((leg) => step(leg, 'show')?.outputs.leg ?? leg.reason)).toEqual([
      'linux-1-yes',
      'linux-2-yes',
      'needs a GPU',
      'other-9-',
    ]);
    expect(legs?.[2]).toMatchObject({ ran: false, conclusion: 'skipped', runsOn: ['gpu-box'] });
  });

  it('fail-fast cancels the legs that have not finished', () => {
    expect(['fast 1', 'fast 2', 'fast 3'].map((name) => job(name).conclusion)).toEqual([
      'failure',
      'cancelled',
      'cancelled',
    ]);
  });

  it('calls a reusable workflow with typed inputs, defaults, secrets and outputs', () => {
    expect(job('call / inner job')).toMatchObject({ conclusion: 'success', path: ['call', 'inner'] });
    expect(job('call / inner job').outputs.summary).toBe('3-false-fallback-yes');
    expect(job('use').conclusion).toBe('success');
  });

  it('runs a matrix of calls, each leg named with its values, secrets inherited', () => {
    expect(job('calls (1) / inner job').outputs.summary).toBe('1-true-fallback-no');
    expect(job('calls (2) / inner job').outputs.summary).toBe('2-true-fallback-no');
  });

  it('runs shims, stores artifacts, and fails an action it cannot run with a clear message', () => {
    expect(job('artifacts').conclusion).toBe('success');
    expect(result.artifacts.get('reports')?.files.get('report.txt')?.toString()).toBe('report\n');
    expect(job('unknown').conclusion).toBe('failure');
    expect(job('unknown').steps[0]?.reason).toBe(
      'not simulated here: someone/unknown-action@0123456789012345678901234567890123456789',
    );
  });

  it("lists its runs and serves what upload-artifact stored through the fake's runs and artifacts API", async () => {
    const run = result.runs.find((entry) => entry.workflow === 'actions.yml');
    const api = `${github.url}/repos/acme/app/actions`;
    const listed = (await (await fetch(`${api}/runs/${run?.id}`)).json()) as Record<string, unknown>;
    expect(listed).toMatchObject({
      id: run?.id,
      path: '.github/workflows/actions.yml',
      head_branch: 'main',
      head_sha: sha,
      event: 'push',
      status: 'completed',
      conclusion: run?.conclusion,
    });
    const artifacts = (await (await fetch(`${api}/runs/${run?.id}/artifacts`)).json()) as {
      artifacts: { id: number; name: string }[];
    };
    expect(artifacts.artifacts.map((artifact) => artifact.name)).toEqual(['reports']);
    const download = await fetch(`${api}/artifacts/${artifacts.artifacts[0]?.id}/zip`);
    expect(download.status).toBe(200);
    const archive = Buffer.from(await download.arrayBuffer());
    expect(archive.subarray(0, 2).toString()).toBe('PK');
    expect(archive.includes('report.txt')).toBe(true);
  });

  it('fails a job with service containers instead of running it without them', () => {
    expect(job('with-services')).toMatchObject({ conclusion: 'failure', reason: 'not simulated here: services:' });
  });

  it('cancels a job on a rule: the running step stops, always() steps still run', () => {
    const slow = job('slow');
    expect(slow.conclusion).toBe('cancelled');
    expect(slow.steps.map((entry) => entry.conclusion)).toEqual(['cancelled', 'success']);
  });

  it('registers every job, with its steps and timing, in the fake jobs API', () => {
    const graphRun = result.runs.find((run) => run.workflow === 'graph.yml');
    const listed = github.runJobs.get(graphRun?.id as number) ?? [];
    const broken = listed.find((entry) => entry.name === 'broken');
    expect(broken).toMatchObject({ status: 'completed', conclusion: 'failure', workflow_name: 'Graph' });
    expect((broken?.steps as { conclusion: string }[] | undefined)?.map((entry) => entry.conclusion)).toEqual([
      'failure',
      'skipped',
      'success',
    ]);
    expect(Date.parse(String(broken?.completed_at))).toBeGreaterThanOrEqual(Date.parse(String(broken?.started_at)));
  });
});

describe('service containers through a services hook', () => {
  const WORKFLOW = `on: push
jobs:
  with-services:
    runs-on: linux
    services:
      nats:
        image: nats:2
        ports: ['4222']
      etcd:
        image: \${{ 'quay.io/coreos/etcd:v3' }}
        ports: ['2379']
        env:
          ETCD_LISTEN_CLIENT_URLS: http://0.0.0.0:2379
    steps:
      - id: addresses
        run: echo "addresses=\${{ job.services.nats.ports['4222'] }} \${{ job.services.etcd.ports['2379'] }}" >> "$GITHUB_OUTPUT"
    outputs:
      addresses: \${{ steps.addresses.outputs.addresses }}
  other-image:
    runs-on: linux
    services:
      redis: {image: redis:7}
    steps:
      - run: echo never
`;
  let dir: string;
  let hub: FakeGitHub;
  const seen: unknown[] = [];
  let stopped = 0;
  let run: EventResult;

  beforeAll(async () => {
    dir = scratchDir('engine-services-');
    const repo = GitRepo.init(join(dir, 'repo'));
    repo.write({ '.github/workflows/services.yml': WORKFLOW });
    const head = repo.commit('services');
    hub = await FakeGitHub.start();
    run = await runEvent({
      repository: { name: 'acme/app', root: repo.dir },
      event: { name: 'push', ref: 'refs/heads/main', sha: head, payload: { ref: 'refs/heads/main', after: head } },
      github: hub,
      root: join(dir, 'work'),
      hooks: {
        services: async (services) => {
          seen.push(services);
          if ('redis' in services) return { reason: 'no stand-in for redis (redis:7)' };
          return {
            ports: { nats: { '4222': '14222' }, etcd: { '2379': '12379' } },
            note: 'stand-ins',
            stop: () => stopped++,
          };
        },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const named = (name: string) => run.runs.flatMap((entry) => entry.jobs).find((record) => record.name === name);

  it('hands the hook the evaluated services, and the steps their ports as job.services.<name>.ports', () => {
    expect(seen[0]).toEqual({
      nats: { image: 'nats:2', ports: ['4222'], env: {} },
      etcd: {
        image: 'quay.io/coreos/etcd:v3',
        ports: ['2379'],
        env: { ETCD_LISTEN_CLIENT_URLS: 'http://0.0.0.0:2379' },
      },
    });
    expect(named('with-services')).toMatchObject({ conclusion: 'success', outputs: { addresses: '14222 12379' } });
    expect(named('with-services')?.notes).toContain('stand-ins');
    expect(stopped).toBe(1);
  });

  it('fails a job whose services the hook cannot stand in for, saying which', () => {
    expect(named('other-image')).toMatchObject({
      conclusion: 'failure',
      reason: 'not simulated here: services: no stand-in for redis (redis:7)',
    });
  });
});
