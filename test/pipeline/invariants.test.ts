import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, evaluateValue } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import {
  branchPattern,
  checkAll,
  checkArtifacts,
  checkCleanup,
  checkConcurrency,
  checkGates,
  checkPermissions,
  checkPinned,
  checkPullRequestTarget,
  checkSecrets,
  checkServiceReferences,
  checkTestReports,
  checkTimeouts,
  checkWriteJobs,
  commandWords,
  loadWorkflows,
  parseWorkflow,
  repoRoot,
  requiredCheckNames,
  type Workflow,
} from './invariants.js';

const real = loadWorkflows();

/** A fixture workflow from YAML, placed at `.github/workflows/<name>` so calls resolve to it. */
const wf = (name: string, yaml: string): Workflow => parseWorkflow(`.github/workflows/${name}`, yaml);

const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683';

describe('the repository workflows', () => {
  it('are all found: ours, the reusable ones, and the example callers', () => {
    const paths = real.map((workflow) => workflow.path);
    for (const file of [
      'ci.yml',
      'pr-checks.yml',
      'core-validation.yml',
      'backend.yml',
      'deploy.yml',
      'deploy-sweeper.yml',
      'test-suite.yml',
    ]) {
      expect(paths).toContain(`.github/workflows/${file}`);
    }
    for (const file of [
      'pre-merge.yml',
      'pr.yaml',
      'container-validation-dynamo.yml',
      'post-merge-ci.yml',
      'nightly-ci.yml',
      'deploy-sweeper.yml',
    ]) {
      expect(paths).toContain(`examples/dynamo-example/.github/workflows/${file}`);
    }
  });

  it.each(Object.entries(checkAll(real)))('hold the %s invariant', (_, problems) => {
    expect(problems).toEqual([]);
  });

  it('gate every stage the PR workflow document requires', () => {
    const gateNames = real
      .flatMap((workflow) => Object.keys(workflow.doc.jobs ?? {}))
      .filter((id) => id.endsWith('status-check'));
    expect(gateNames).toEqual(
      expect.arrayContaining([
        'dynamo-status-check',
        'backend-status-check',
        'deploy-status-check',
        'frontend-status-check',
        'suite-status-check',
      ]),
    );
  });

  it('never reference our own actions by anything but the release tag inside reusable workflows', () => {
    for (const workflow of real.filter((w) => w.path.startsWith('.github/') && 'workflow_call' in (w.doc.on ?? {}))) {
      const text = JSON.stringify(workflow.doc);
      expect(text, workflow.path).not.toMatch(/"uses":"\.\/actions\//);
      for (const match of text.matchAll(/org\/dynamo-ci-actions\/[^"@]+@([^"]+)/g)) expect(match[1]).toBe('v1');
    }
  });
});

describe('the required check names', () => {
  const example = real.filter((workflow) => workflow.path.startsWith('examples/dynamo-example/.github/workflows/'));

  it("are the README's list, derived from the example's callers and the workflows they call", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Required checks for branch protection'));
    const listed = (/```text\n([\s\S]*?)```/.exec(section)?.[1] ?? '').split('\n').filter(Boolean);
    // DCO is the DCO GitHub App's check, not a workflow's.
    expect(listed.filter((name) => name !== 'DCO').sort()).toEqual(requiredCheckNames(example, real));
    expect(listed).toContain('DCO');
  });

  it('are named <caller job> / <job>, with the gates of a called workflow and the direct checks', () => {
    expect(requiredCheckNames(example, real)).toEqual(
      expect.arrayContaining([
        'checks / pre-commit',
        'checks / copyright-checks',
        'validation / dynamo-status-check',
        'backend / backend-status-check',
      ]),
    );
  });

  it('follow a renamed caller job, leave out checks that can be skipped and callers that never run on a PR', () => {
    const callers = [
      wf(
        'pr.yml',
        `on: {push: {branches: ['pull-request/[0-9]+']}}
jobs:
  pipeline:
    uses: ./.github/workflows/gated.yml
  optional:
    if: github.event_name == 'workflow_dispatch'
    uses: ./.github/workflows/plain.yml
  own-job:
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]`,
      ),
      wf(
        'nightly.yml',
        'on: {schedule: [{cron: "0 8 * * *"}]}\njobs:\n  suite:\n    uses: ./.github/workflows/plain.yml',
      ),
      wf(
        'checks.yml',
        'on: pull_request\njobs:\n  direct:\n    uses: ./.github/workflows/plain.yml\n    with: {lint: false}',
      ),
    ];
    const called = [
      wf(
        'gated.yml',
        `on: {workflow_call: {}}
jobs:
  build: {runs-on: x, steps: []}
  nested:
    uses: ./.github/workflows/plain.yml
  deploy:
    if: inputs.deploy
    uses: ./.github/workflows/plain.yml
  gated-status-check: {needs: [build], if: always(), runs-on: x, steps: []}`,
      ),
      wf(
        'plain.yml',
        `on: {workflow_call: {inputs: {lint: {type: boolean, default: true}}}}
jobs:
  lint: {if: inputs.lint, runs-on: x, steps: []}
  test: {name: unit tests, runs-on: x, steps: []}`,
      ),
    ];
    expect(requiredCheckNames(callers, [...callers, ...called])).toEqual([
      'direct / unit tests',
      'pipeline / gated-status-check',
      'pipeline / nested / lint',
      'pipeline / nested / unit tests',
    ]);
  });
});

describe('each invariant catches a broken workflow', () => {
  it('gates: a gate without always() and one missing a blocking job', () => {
    const broken = wf(
      'g.yml',
      `
on: push
jobs:
  build: {runs-on: x}
  test: {runs-on: x, needs: build}
  lint: {runs-on: x}
  backend-status-check: {runs-on: x, needs: [build, test]}
  notify: {runs-on: x, needs: backend-status-check}
`,
    );
    expect(checkGates(broken)).toEqual([
      `.github/workflows/g.yml job 'backend-status-check': a gate must run with 'if: always()', has null`,
      `.github/workflows/g.yml job 'backend-status-check': needs does not list 'lint', so its failure would not block`,
    ]);
    broken.doc.jobs['backend-status-check'].if = '${{ always() }}';
    broken.doc.jobs['backend-status-check'].needs.push('lint');
    expect(checkGates(broken)).toEqual([]);
    // A gate that only relies on transitive needs is also caught.
    broken.doc.jobs['backend-status-check'].needs = ['test', 'lint'];
    expect(checkGates(broken)).toEqual([
      `.github/workflows/g.yml job 'backend-status-check': needs does not list 'build', so its failure would not block`,
    ]);
  });

  it('permissions: missing, write at the top, and a job without its own', () => {
    expect(checkPermissions(wf('p.yml', 'on: push\njobs:\n  a: {runs-on: x, permissions: {}}'))).toEqual([
      ".github/workflows/p.yml: no top-level 'permissions:' (use {})",
    ]);
    expect(checkPermissions(wf('p.yml', 'on: push\npermissions: write-all\njobs:\n  a: {runs-on: x}'))).toEqual([
      '.github/workflows/p.yml: top-level permissions must be {} or read-only, got "write-all"',
      ".github/workflows/p.yml job 'a': no 'permissions:' of its own",
    ]);
    expect(checkPermissions(wf('p.yml', 'on: push\npermissions: {contents: write}\njobs: {}'))).toHaveLength(1);
    expect(checkPermissions(wf('p.yml', 'on: push\npermissions: {contents: read}\njobs: {}'))).toEqual([]);
  });

  it('pinned: tags and short SHAs of third-party actions, unpinned images', () => {
    const broken = wf(
      'u.yml',
      `
on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@49933ea
      - uses: docker://alpine:3
      - uses: ${CHECKOUT}
      - uses: ./actions/changed-files
      - uses: org/dynamo-ci-actions/changed-files@v1
  b:
    uses: someone/else/.github/workflows/x.yml@main
`,
    );
    expect(checkPinned(broken)).toEqual([
      ".github/workflows/u.yml job 'a': actions/checkout@v4 is not pinned to a 40-hex commit SHA",
      ".github/workflows/u.yml job 'a': actions/setup-node@49933ea is not pinned to a 40-hex commit SHA",
      ".github/workflows/u.yml job 'a': docker://alpine:3 is not pinned to a digest",
      ".github/workflows/u.yml job 'b': someone/else/.github/workflows/x.yml@main is not pinned to a 40-hex commit SHA",
    ]);
  });

  it('timeouts: a job without one, a call job with one, and a callee without one', () => {
    const calleeWorkflow = wf('callee.yml', 'on: workflow_call\njobs:\n  inner: {runs-on: x}');
    const caller = wf(
      'caller.yml',
      `
on: push
jobs:
  plain: {runs-on: x}
  ok: {runs-on: x, timeout-minutes: 5}
  call: {uses: ./.github/workflows/callee.yml, timeout-minutes: 5}
  call2: {uses: org/dynamo-ci-actions/.github/workflows/missing.yml@v1}
`,
    );
    expect(checkTimeouts(caller, [caller, calleeWorkflow])).toEqual([
      ".github/workflows/caller.yml job 'plain': no timeout-minutes",
      ".github/workflows/caller.yml job 'call': a reusable-workflow call cannot have timeout-minutes",
      ".github/workflows/callee.yml job 'inner': no timeout-minutes",
      ".github/workflows/caller.yml job 'call2': calls org/dynamo-ci-actions/.github/workflows/missing.yml@v1, whose timeouts cannot be checked here",
    ]);
  });

  it('concurrency: none, main cancelled, PR runs not cancelled, main runs sharing a group', () => {
    const on = "on:\n  push:\n    branches: [main, 'pull-request/[0-9]+']\n";
    const none = wf('c.yml', `${on}jobs:\n  a: {runs-on: x}`);
    expect(checkConcurrency(none, [none])).toEqual([
      ".github/workflows/c.yml: no concurrency (.github/workflows/c.yml job 'a' has no concurrency)",
    ]);

    const alwaysCancel = wf(
      'c.yml',
      `${on}concurrency: {group: '\${{ github.workflow }}-\${{ github.ref }}', cancel-in-progress: true}\njobs: {}`,
    );
    expect(checkConcurrency(alwaysCancel, [])).toEqual([
      '.github/workflows/c.yml: push to main cancels in progress',
      '.github/workflows/c.yml: push to main runs share the group Workflow-refs/heads/main, so a pending run is dropped',
    ]);

    const neverCancel = wf(
      'c.yml',
      `${on}concurrency: {group: '\${{ github.run_id }}', cancel-in-progress: false}\njobs: {}`,
    );
    expect(checkConcurrency(neverCancel, [])).toEqual([
      '.github/workflows/c.yml: push to pull-request/12 does not cancel the run it supersedes',
      '.github/workflows/c.yml: push to pull-request/12 runs land in different groups (1, 2)',
    ]);

    const prShared = wf('c.yml', "on: pull_request\nconcurrency: {group: 'pr', cancel-in-progress: true}\njobs: {}");
    expect(checkConcurrency(prShared, [])).toEqual(['.github/workflows/c.yml: two different PRs share the group pr']);

    const good = wf(
      'c.yml',
      `${on}concurrency:
  group: \${{ github.workflow }}-\${{ startsWith(github.ref, 'refs/heads/pull-request/') && github.ref || github.run_id }}
  cancel-in-progress: \${{ startsWith(github.ref, 'refs/heads/pull-request/') }}
jobs: {}`,
    );
    expect(checkConcurrency(good, [])).toEqual([]);
  });

  it('pull_request_target: checking out the head, directly or in a called workflow', () => {
    const direct = wf(
      't.yml',
      `
on: pull_request_target
jobs:
  a:
    runs-on: x
    steps:
      - uses: ${CHECKOUT}
        with: {ref: '\${{ github.event.pull_request.head.sha }}'}
      - run: git fetch origin refs/pull/1/head
  b: {uses: ./.github/workflows/inner.yml}
`,
    );
    const inner = wf(
      'inner.yml',
      `on: workflow_call\njobs:\n  c:\n    runs-on: x\n    steps:\n      - run: gh pr checkout 1`,
    );
    expect(checkPullRequestTarget(direct, [direct, inner])).toEqual([
      ".github/workflows/t.yml job 'a': checks out the PR's code under pull_request_target",
      ".github/workflows/t.yml job 'a': fetches the PR's code in a run step under pull_request_target",
      ".github/workflows/inner.yml job 'c': fetches the PR's code in a run step under pull_request_target",
    ]);
    const base = wf(
      't.yml',
      `on: pull_request_target\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: ${CHECKOUT}`,
    );
    expect(checkPullRequestTarget(base, [base])).toEqual([]);
  });

  it('secrets: on pull_request, on any-branch pushes, passed to a reusable workflow, inherited', () => {
    const onPr = wf('s.yml', 'on: pull_request\njobs:\n  a: {runs-on: x, steps: [{run: "echo ${{ secrets.TOKEN }}"}]}');
    expect(checkSecrets(onPr, [onPr])).toEqual([
      ".github/workflows/s.yml job 'a': uses secrets but runs on 'pull_request' (via .github/workflows/s.yml), which runs unvetted code",
    ]);
    const anyPush = wf('s.yml', 'on: push\njobs:\n  a: {runs-on: x, steps: [{run: "echo ${{ secrets.TOKEN }}"}]}');
    expect(checkSecrets(anyPush, [anyPush])).toHaveLength(1);
    const githubToken = wf(
      's.yml',
      'on: pull_request\njobs:\n  a: {runs-on: x, steps: [{run: "echo ${{ secrets.GITHUB_TOKEN }}"}]}',
    );
    expect(checkSecrets(githubToken, [githubToken])).toEqual([]);

    const reusable = wf(
      'r.yml',
      'on: workflow_call\njobs:\n  a: {runs-on: x, steps: [{run: "x", env: {K: "${{ secrets.k }}"}}]}',
    );
    const prCaller = wf(
      'caller.yml',
      'on: pull_request\njobs:\n  call: {uses: ./.github/workflows/r.yml, secrets: inherit}',
    );
    const all = [reusable, prCaller];
    expect(checkSecrets(reusable, all)).toEqual([
      ".github/workflows/r.yml job 'a': uses secrets but runs on 'pull_request' (via .github/workflows/caller.yml), which runs unvetted code",
    ]);
    expect(checkSecrets(prCaller, all)).toHaveLength(1);
    expect(checkSecrets(reusable, [reusable])).toEqual([
      ".github/workflows/r.yml job 'a': uses secrets, but no workflow here calls it, so its triggers are unknown",
    ]);
    const trustedCaller = wf(
      'caller.yml',
      "on:\n  push:\n    branches: ['pull-request/[0-9]+', main]\n  schedule: [{cron: '0 8 * * *'}]\njobs:\n  call: {uses: ./.github/workflows/r.yml, secrets: inherit}",
    );
    expect(checkSecrets(reusable, [reusable, trustedCaller])).toEqual([]);
  });
});

describe('write tokens run no project code', () => {
  const job = (permissions: string, steps: string) =>
    wf(
      'w.yml',
      `on: workflow_dispatch\npermissions: {}\njobs:\n  j:\n    runs-on: x\n    permissions: ${permissions}\n    steps:\n${steps}`,
    );

  it.each([
    ['    - run: pnpm install --frozen-lockfile', 'runs pnpm'],
    ['    - run: bash .ci/run', "runs the repository's .ci/run"],
    ['    - run: ./scripts/publish.sh', "runs the repository's ./scripts/publish.sh"],
    ['    - run: VERSION=1 node scripts/release.mjs --commit', 'runs node'],
    ['    - run: |\n        git fetch\n        sudo -E npm publish', 'runs npm'],
    ['    - run: git push && make release', 'runs make'],
    ['    - run: echo "$(python3 -c \'print(1)\')"', 'runs python3'],
    ['    - run: docker build .', 'runs docker'],
    ['    - run: print(1)\n      shell: python {0}', 'runs its script with python'],
    ['    - uses: ./.github/actions/publish', "runs the repository's action ./.github/actions/publish"],
  ])('a write job that %s is caught', (steps, problem) => {
    for (const permissions of ['{contents: write}', 'write-all', '{contents: read, packages: write}']) {
      const problems = checkWriteJobs(job(permissions, steps));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(".github/workflows/w.yml job 'j' step");
      expect(problems[0]).toContain(`holds a write token and ${problem}`);
    }
  });

  it('lets a write job push with git and gh, and a read-only job run anything', () => {
    const push = [
      '    - uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093',
      '    - run: |',
      '        # Not forced: npm would be wrong here',
      '        git fetch --no-tags "$BUNDLE" "refs/heads/releases/v1:refs/heads/releases/v1"',
      '        if [ "$(git rev-parse v1)" != "$commit" ]; then echo "no" >&2; exit 1; fi',
      '        gh release create "v$VERSION" --notes-file "$RUNNER_TEMP/release/notes.md"',
    ].join('\n');
    expect(checkWriteJobs(job('{contents: write}', push))).toEqual([]);
    expect(checkWriteJobs(job('{contents: read}', '    - run: pnpm install && bash .ci/run'))).toEqual([]);
    expect(checkWriteJobs(job('{}', '    - uses: ./local'))).toEqual([]);
  });

  it('finds the commands of a script, past assignments, prefixes and separators', () => {
    expect(
      commandWords('A=1 B=2 sudo -E env npm ci; (cd x && ./run.sh) | tee log\nif make; then source ./env.sh; fi'),
    ).toEqual(['npm', 'cd', './run.sh', 'tee', 'make', 'source', './env.sh', 'fi']);
  });

  it('holds for the real release workflow: only its build job runs project code', () => {
    const release = real.find((workflow) => workflow.path === '.github/workflows/release.yml') as Workflow;
    expect(checkWriteJobs(release)).toEqual([]);
    const { build, publish } = release.doc.jobs;
    expect(build.permissions).toEqual({ contents: 'read' });
    expect(build.steps[0].with['persist-credentials']).toBe(false);
    expect(publish.permissions).toEqual({ contents: 'write' });
    // The same workflow with the tests moved into the job that pushes is caught.
    const merged = structuredClone(release);
    merged.doc.jobs.publish.steps.splice(1, 0, ...build.steps.slice(1, 4));
    expect(checkWriteJobs(merged).map((problem) => problem.replace(/ step .*: holds/, ': holds'))).toEqual([
      ".github/workflows/release.yml job 'publish': holds a write token and runs npm, which runs project or registry code",
      ".github/workflows/release.yml job 'publish': holds a write token and runs pnpm, which runs project or registry code",
      ".github/workflows/release.yml job 'publish': holds a write token and runs the repository's .ci/run",
    ]);
  });
});

describe("GitHub's expression evaluator (@actions/expressions) as the concurrency check uses it", () => {
  const github = {
    ref: 'refs/heads/pull-request/7',
    event_name: 'push',
    run_id: '99',
    event: { pull_request: { number: 7 } },
  };
  it.each([
    ["startsWith(github.ref, 'refs/heads/pull-request/')", true],
    ["github.event_name == 'PUSH'", true],
    ["github.event_name == 'pull_request' && github.event.pull_request.number || github.run_id", '99'],
    ["format('{0}-{1}', github.event_name, github['run_id'])", 'push-99'],
    ['!github.missing', true],
    ['contains(fromJSON(\'["a","b"]\'), \'b\')', true],
    ['1 < 2 && 3 >= 3', true],
  ])('%s', (expression, expected) => {
    expect(evaluate(expression, { github })).toEqual(expected);
  });

  it('interpolates and keeps the type of a whole expression', () => {
    expect(evaluateValue('${{ github.event_name }}-${{ github.run_id }}', { github })).toBe('push-99');
    expect(evaluateValue('${{ github.run_id == 99 }}', { github })).toBe(true);
    expect(() => evaluate("github.ref == 'x", { github })).toThrow("cannot evaluate ${{ github.ref == 'x }}");
  });

  it('matches branch filters the way GitHub does', () => {
    expect(branchPattern('pull-request/[0-9]+').test('pull-request/123')).toBe(true);
    expect(branchPattern('pull-request/[0-9]+').test('pull-request/abc')).toBe(false);
    expect(branchPattern('release/*.*.*').test('release/1.2.3')).toBe(true);
    expect(branchPattern('release/*').test('release/a/b')).toBe(false);
    expect(branchPattern('release/**').test('release/a/b')).toBe(true);
  });
});

describe('a real workflow, broken on purpose, is caught', () => {
  const clone = (path: string) => {
    const found = real.find((workflow) => workflow.path === path) as Workflow;
    return { path: found.path, doc: structuredClone(found.doc) };
  };

  it('artifacts: an upload that skips failed legs, or keeps them for the default time', () => {
    const broken = wf(
      'a.yml',
      `on: {workflow_call: {}}
jobs:
  test:
    runs-on: x
    steps:
      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02
        with: {name: logs, path: logs, retention-days: 7}
      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02
        if: always() && matrix.arch == 'amd64'
        with: {name: more, path: more}`,
    );
    expect(checkArtifacts(broken)).toEqual([
      ".github/workflows/a.yml job 'test': upload-artifact without 'if: always()' loses the logs of a failed or timed-out leg",
      ".github/workflows/a.yml job 'test': upload-artifact without retention-days keeps it for the repository's default",
    ]);
  });

  it('service references: a misspelt service name', () => {
    const broken = wf(
      's.yml',
      `on: push
jobs:
  test:
    runs-on: x
    services: {nats: {image: nats}}
    steps:
      - run: echo "\${{ job.services.nats.ports['4222'] }} \${{ job.services.etcd.ports['2379'] }}"`,
    );
    expect(checkServiceReferences(broken)).toEqual([
      ".github/workflows/s.yml job 'test': reads job.services.etcd, but the job has no such service",
    ]);
  });

  it('the core validation gives the Rust checks and every test job NATS and etcd, by address', () => {
    const validation = real.find((workflow) => workflow.path === '.github/workflows/core-validation.yml') as Workflow;
    for (const id of ['rust-checks', 'test-parallel', 'test-sequential', 'test-generic-gpu']) {
      const job = validation.doc.jobs[id];
      expect(Object.keys(job.services ?? {}).sort(), id).toEqual(['etcd', 'nats']);
      const env = String(job.steps.find((step: { with?: { env?: string } }) => step.with?.env)?.with?.env);
      expect(env, id).toContain("NATS_SERVER=nats://localhost:${{ job.services.nats.ports['4222'] }}");
      expect(env, id).toContain("ETCD_ENDPOINTS=http://localhost:${{ job.services.etcd.ports['2379'] }}");
    }
  });

  it('backend-status-check without the test job', () => {
    const backend = clone('.github/workflows/backend.yml');
    backend.doc.jobs['backend-status-check'].needs = ['changes', 'build', 'operator'];
    expect(checkGates(backend)).toEqual([
      ".github/workflows/backend.yml job 'test': no gate waits on it or runs before it, so its failure blocks nothing",
    ]);
  });

  it('the deployment cleanup: conditional, too early, or missing', () => {
    const deploy = clone('.github/workflows/deploy.yml');
    deploy.doc.jobs.cleanup.if = "needs.deploy-test.result == 'success'";
    deploy.doc.jobs.cleanup.needs = ['deploy-operator'];
    expect(checkCleanup(deploy)).toEqual([
      `.github/workflows/deploy.yml job 'cleanup': the cleanup must run with 'if: always()', has "needs.deploy-test.result == 'success'"`,
      ".github/workflows/deploy.yml job 'cleanup': does not run after 'deploy-test', which creates cluster objects",
    ]);
    delete deploy.doc.jobs.cleanup;
    expect(checkCleanup(deploy)).toEqual([
      '.github/workflows/deploy.yml: deploy-operator, deploy-test create cluster objects but no job runs deploy-cleanup',
    ]);
  });

  it('frontend-status-check without the frontend build, and backend-status-check without changes', () => {
    const backend = clone('.github/workflows/backend.yml');
    backend.doc.jobs['frontend-status-check'].needs = ['changes'];
    backend.doc.jobs['backend-status-check'].needs = ['build', 'test', 'operator'];
    expect(checkGates(backend)).toEqual([
      ".github/workflows/backend.yml job 'backend-status-check': needs does not list 'changes', so its failure would not block",
      ".github/workflows/backend.yml job 'build-frontend': no gate waits on it or runs before it, so its failure blocks nothing",
    ]);
  });

  it('deploy-status-check without deploy-operator; a cleanup job that is not the last', () => {
    const deploy = clone('.github/workflows/deploy.yml');
    deploy.doc.jobs['deploy-status-check'].needs = ['deploy-test'];
    expect(checkGates(deploy)).toEqual([
      ".github/workflows/deploy.yml job 'deploy-status-check': needs does not list 'deploy-operator', so its failure would not block",
    ]);
    const early = clone('.github/workflows/deploy.yml');
    early.doc.jobs.cleanup.needs = ['deploy-operator', 'deploy-test'];
    expect(checkGates(early)).toEqual([
      ".github/workflows/deploy.yml job 'deploy-status-check': needs does not list 'cleanup', so its failure would not block",
    ]);
  });

  it('the run report: a test leg that uploads nothing, a report without always() or with a write token, Slack without its link', () => {
    const suite = clone('.github/workflows/test-suite.yml');
    const test = suite.doc.jobs.test;
    test.steps = test.steps.filter(
      (step: { uses?: string }) => !String(step.uses).startsWith('actions/upload-artifact@'),
    );
    const report = suite.doc.jobs.report;
    report.if = "needs.test.result == 'failure'";
    report.permissions = { actions: 'read', contents: 'write' };
    report.steps = [{ uses: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683' }, report.steps[0]];
    delete suite.doc.jobs['notify-slack'].steps[0].with['pipeline-report'];
    expect(checkTestReports(suite)).toEqual([
      ".github/workflows/test-suite.yml job 'test': its results are not uploaded as test-results-<leg>-<run id> for pipeline-report",
      ".github/workflows/test-suite.yml job 'report': the report must run with 'if: always()' (a failed run is the one to report)",
      `.github/workflows/test-suite.yml job 'report': permissions must be {actions: read}, has {"actions":"read","contents":"write"}`,
      ".github/workflows/test-suite.yml job 'report': runs project code (checkout or run:) next to its token",
      ".github/workflows/test-suite.yml job 'report': does not upload the history-file the next run reads",
      ".github/workflows/test-suite.yml job 'notify-slack': slack-notify's pipeline-report is not needs.report.outputs.report",
    ]);
    const none = clone('.github/workflows/backend.yml');
    delete none.doc.jobs.report;
    expect(checkTestReports(none)).toEqual([
      '.github/workflows/backend.yml: its test legs reach Slack but no job runs pipeline-report',
    ]);
  });

  it('dynamo-status-check without the Rust checks or the generic GPU tests', () => {
    const validation = clone('.github/workflows/core-validation.yml');
    validation.doc.jobs['dynamo-status-check'].needs = ['changes', 'build', 'mypy', 'test-parallel', 'test-sequential'];
    expect(checkGates(validation)).toEqual([
      ".github/workflows/core-validation.yml job 'dynamo-status-check': needs does not list 'rust-checks', so its failure would not block",
      ".github/workflows/core-validation.yml job 'dynamo-status-check': needs does not list 'test-generic-gpu', so its failure would not block",
    ]);
  });

  it('the example PR workflow triggered on any push, with secrets', () => {
    const pr = clone('examples/dynamo-example/.github/workflows/pr.yaml');
    pr.doc.on = { push: {} };
    const all = real.map((workflow) => (workflow.path === pr.path ? pr : workflow));
    expect(checkSecrets(pr, all).join('\n')).toContain("uses secrets but runs on 'push'");
    const backend = all.find((workflow) => workflow.path === '.github/workflows/backend.yml') as Workflow;
    expect(checkSecrets(backend, all).join('\n')).toContain("job 'build': uses secrets but runs on 'push'");
  });

  it('the example container validation cancelling main runs', () => {
    const validation = clone('examples/dynamo-example/.github/workflows/container-validation-dynamo.yml');
    validation.doc.concurrency['cancel-in-progress'] = true;
    expect(checkConcurrency(validation, real)).toContain(
      'examples/dynamo-example/.github/workflows/container-validation-dynamo.yml: push to main cancels in progress',
    );
  });
});
