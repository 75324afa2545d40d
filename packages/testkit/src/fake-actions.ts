/**
 * The Actions part of the fake GitHub: workflow runs (get one; list a workflow's runs by branch,
 * status and event, newest first) and a run's artifacts (list; download as GitHub does, a 302 to a
 * pre-signed blob URL that serves the zip without the API token). Bodies carry the fields the real
 * API sends, so Octokit and `@actions/artifact` (`findBy`) drive these routes unchanged.
 *
 * Artifacts come from an `ArtifactStore`: plain name -> files per run. The built-in
 * `MemoryArtifactStore` is filled by tests; a workflow engine that keeps what its
 * `actions/upload-artifact` steps uploaded can stand in for it (`fake.artifactStore = engineStore`),
 * and the fake zips the files when they are downloaded.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FakeHttpServer, FakeRequest, FakeResponse } from './http.js';
import { type ZipEntries, zip } from './zip.js';

export type RunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
export type RunConclusion =
  | 'success'
  | 'failure'
  | 'cancelled'
  | 'skipped'
  | 'timed_out'
  | 'neutral'
  | 'action_required'
  | 'startup_failure'
  | 'stale'
  | null;

/** A workflow run as `GET /repos/{owner}/{repo}/actions/runs/{id}` returns it (the fields tests set). */
export interface FakeRun {
  id: number;
  /** The workflow's name. */
  name?: string;
  workflow_id?: number;
  /** `.github/workflows/nightly.yml` */
  path?: string;
  head_branch?: string;
  head_sha?: string;
  event?: string;
  status?: RunStatus;
  conclusion?: RunConclusion;
  run_number?: number;
  run_attempt?: number;
  created_at?: string;
  run_started_at?: string;
  updated_at?: string;
  /** The repository the head commit is in: a fork's for a pull request from a fork. */
  head_repository?: { full_name: string };
  [key: string]: unknown;
}

/** A step of a job, as the jobs API lists it. */
export interface FakeStep {
  name: string;
  number: number;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | 'cancelled' | 'skipped' | null;
  started_at?: string | null;
  completed_at?: string | null;
}

/** One uploaded artifact: its name and files (relative path -> content). */
export interface FakeArtifact {
  name: string;
  files: ZipEntries;
  /** Past its retention: listed with `expired: true`, and its download answers 410. */
  expired?: boolean;
  created_at?: string;
  expires_at?: string;
}

/** Where the fake finds a run's artifacts. Read at request time, so a store that fills as jobs run is seen live. */
export interface ArtifactStore {
  /** The artifacts of `runId` in upload order; `[]` when it has none. */
  list(runId: number): readonly FakeArtifact[];
}

/** The built-in store: `add` what a job would have uploaded. */
export class MemoryArtifactStore implements ArtifactStore {
  private readonly byRun = new Map<number, FakeArtifact[]>();

  /** Add an artifact to a run; one with the same name replaces it (upload-artifact's `overwrite: true`). */
  add(runId: number, artifact: FakeArtifact): this {
    const artifacts = (this.byRun.get(runId) ?? []).filter((existing) => existing.name !== artifact.name);
    artifacts.push(artifact);
    this.byRun.set(runId, artifacts);
    return this;
  }

  list(runId: number): readonly FakeArtifact[] {
    return this.byRun.get(runId) ?? [];
  }
}

interface ServedArtifact {
  id: number;
  runId: number;
  artifact: FakeArtifact;
  zip: Buffer;
  digest: string;
}

/** GitHub-style pagination (fake-github.ts's `paginate`), handed in to keep the modules acyclic. */
export type Paginate = (request: FakeRequest, items: readonly unknown[], options: { wrap: string }) => FakeResponse;

/** The state and handlers behind the Actions routes; `FakeGitHub` owns one. */
export class FakeActions {
  readonly runs = new Map<number, FakeRun>();
  artifactStore: ArtifactStore = new MemoryArtifactStore();
  /** (run, name) -> artifact id: stable while the artifact's files object stays the same. */
  private readonly ids = new Map<string, number>();
  private readonly served = new Map<number, ServedArtifact>();
  private readonly zips = new WeakMap<ZipEntries, { zip: Buffer; digest: string }>();
  private nextArtifactId = 7_000_000;
  /** The blob store's URL signature: a download without it is refused, as an expired SAS is. */
  private readonly signature = randomBytes(12).toString('hex');

  constructor(
    private readonly serverUrl: () => string,
    private readonly repoFullName: (request: FakeRequest) => string,
  ) {}

  addRun(run: FakeRun): void {
    this.runs.set(run.id, run);
  }

  /**
   * The routes: runs (one, a workflow's, all), a run's artifacts, one artifact, its zip (a 302) and
   * the blob store. `knownByJobs` keeps `GET .../runs/{id}` answering, with the few fields the gate
   * and Slack read, for a run a test gave only jobs.
   */
  register(
    server: FakeHttpServer,
    repoPath: string,
    paginate: Paginate,
    knownByJobs: (runId: number) => boolean,
  ): void {
    server.route('GET', `${repoPath}/actions/runs`, (request) =>
      paginate(request, this.listRuns(request), { wrap: 'workflow_runs' }),
    );
    server.route('GET', `${repoPath}/actions/workflows/:workflow/runs`, (request) =>
      paginate(request, this.listRuns(request, request.params.workflow), { wrap: 'workflow_runs' }),
    );
    server.route('GET', `${repoPath}/actions/runs/:runId`, (request) => {
      const runId = Number(request.params.runId);
      const run = this.runs.get(runId);
      if (run) return { body: this.runBody(request, run) };
      if (!knownByJobs(runId)) return notFound();
      return { body: { id: runId, run_attempt: 1, status: 'in_progress', name: 'CI' } };
    });
    server.route('GET', `${repoPath}/actions/runs/:runId/artifacts`, (request) =>
      paginate(request, this.artifactsOf(request, Number(request.params.runId)), { wrap: 'artifacts' }),
    );
    server.route('GET', `${repoPath}/actions/artifacts/:id`, (request) => {
      const served = this.served.get(Number(request.params.id));
      if (!served) return notFound();
      const listed = this.artifactsOf(request, served.runId).find((body) => body.id === served.id);
      return listed ? { body: listed } : notFound();
    });
    server.route('GET', `${repoPath}/actions/artifacts/:id/:format`, (request) =>
      request.params.format === 'zip' ? this.download(Number(request.params.id)) : notFound(),
    );
    server.route('GET', '/_blob/artifacts/:file', (request) => this.blob(request));
  }

  runBody(request: FakeRequest, run: FakeRun): Record<string, unknown> {
    const repository = this.repoFullName(request);
    const api = `${this.serverUrl()}/repos/${repository}`;
    return {
      name: 'CI',
      workflow_id: 1,
      path: '.github/workflows/ci.yml',
      head_branch: 'main',
      head_sha: '0'.repeat(40),
      event: 'push',
      status: 'completed',
      conclusion: 'success',
      run_number: run.id,
      run_attempt: 1,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      head_repository: { full_name: repository },
      repository: { full_name: repository },
      html_url: `https://github.com/${repository}/actions/runs/${run.id}`,
      url: `${api}/actions/runs/${run.id}`,
      jobs_url: `${api}/actions/runs/${run.id}/jobs`,
      artifacts_url: `${api}/actions/runs/${run.id}/artifacts`,
      ...run,
      run_started_at: run.run_started_at ?? run.created_at ?? '2026-01-01T00:00:00Z',
    };
  }

  /** `GET .../actions/runs` and `GET .../actions/workflows/{id or file}/runs`: newest first, filtered. */
  listRuns(request: FakeRequest, workflow?: string): FakeRun[] {
    const query = request.query;
    const branch = query.get('branch');
    const event = query.get('event');
    const status = query.get('status');
    const headSha = query.get('head_sha');
    return [...this.runs.values()]
      .map((run) => this.runBody(request, run) as FakeRun)
      .filter(
        (run) =>
          (workflow === undefined ||
            String(run.workflow_id) === workflow ||
            String(run.path).split('/').pop() === workflow) &&
          (branch === null || run.head_branch === branch) &&
          (event === null || run.event === event) &&
          (headSha === null || run.head_sha === headSha) &&
          (status === null || run.status === status || run.conclusion === status),
      )
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)) || b.id - a.id);
  }

  /** The artifacts of a run as the API lists them (expired ones included, marked). */
  artifactsOf(request: FakeRequest, runId: number): Record<string, unknown>[] {
    const name = request.query.get('name');
    return this.artifactStore
      .list(runId)
      .filter((artifact) => name === null || artifact.name === name)
      .map((artifact) => this.artifactBody(request, this.serve(runId, artifact)));
  }

  /** The 302 GitHub answers `GET .../actions/artifacts/{id}/zip` with. */
  download(id: number): FakeResponse {
    const served = this.served.get(id);
    if (!served) return notFound();
    if (served.artifact.expired) {
      return { status: 410, body: { message: 'Artifact has expired', documentation_url: DOCS } };
    }
    const location = `${this.serverUrl()}/_blob/artifacts/${id}.zip?sv=2025-01-05&se=2026-01-01T00%3A10%3A00Z&sig=${this.signature}`;
    return { status: 302, headers: { location } };
  }

  /** The blob store's answer to the signed URL. */
  blob(request: FakeRequest): FakeResponse {
    const id = Number(/^(\d+)\.zip$/.exec(request.params.file ?? '')?.[1]);
    const served = this.served.get(id);
    if (request.query.get('sig') !== this.signature) {
      return { status: 403, raw: 'AuthenticationFailed: Server failed to authenticate the request.' };
    }
    if (!served) return { status: 404, raw: 'BlobNotFound' };
    return {
      status: 200,
      raw: served.zip,
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="${served.artifact.name}.zip"`,
      },
    };
  }

  private serve(runId: number, artifact: FakeArtifact): ServedArtifact {
    const key = `${runId}\u0000${artifact.name}`;
    const known = this.ids.get(key);
    const previous = known === undefined ? undefined : this.served.get(known);
    // The same files keep their id; a replaced artifact (overwrite) gets a new one, as on GitHub.
    const id = known !== undefined && previous?.artifact.files === artifact.files ? known : this.nextArtifactId++;
    this.ids.set(key, id);
    let packed = this.zips.get(artifact.files);
    if (!packed) {
      const archive = zip(artifact.files);
      packed = { zip: archive, digest: `sha256:${createHash('sha256').update(archive).digest('hex')}` };
      this.zips.set(artifact.files, packed);
    }
    const served = { id, runId, artifact, ...packed };
    this.served.set(id, served);
    return served;
  }

  private artifactBody(request: FakeRequest, served: ServedArtifact): Record<string, unknown> {
    const api = `${this.serverUrl()}/repos/${this.repoFullName(request)}`;
    const run = this.runs.get(served.runId);
    const created = served.artifact.created_at ?? run?.created_at ?? '2026-01-01T00:00:00Z';
    return {
      id: served.id,
      node_id: `MDg6QXJ0aWZhY3Q${served.id}`,
      name: served.artifact.name,
      size_in_bytes: served.zip.length,
      url: `${api}/actions/artifacts/${served.id}`,
      archive_download_url: `${api}/actions/artifacts/${served.id}/zip`,
      expired: served.artifact.expired ?? false,
      digest: served.digest,
      created_at: created,
      updated_at: created,
      expires_at: served.artifact.expires_at ?? '2026-04-01T00:00:00Z',
      workflow_run: {
        id: served.runId,
        repository_id: 1,
        head_repository_id: 1,
        head_branch: run?.head_branch ?? 'main',
        head_sha: run?.head_sha ?? '0'.repeat(40),
      },
    };
  }
}

const DOCS = 'https://docs.github.com/rest/actions/artifacts';

function notFound(): FakeResponse {
  return { status: 404, body: { message: 'Not Found', documentation_url: DOCS } };
}
