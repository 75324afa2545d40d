import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATE_REPORT_SCHEMA, type GateReport, PIPELINE_SUMMARY_SCHEMA } from '@dynamo-ci/core';
import { FakeGitHub, type FakeJob, FakeSlack, SimulatedJob, type StepResult } from '@dynamo-ci/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = 'xoxb-fake-bot-token';

const failedReport: GateReport = {
  schema: GATE_REPORT_SCHEMA,
  result: 'failure',
  gate: 'backend-status-check',
  run: {},
  jobs: [
    {
      id: 'vllm-build',
      name: 'vllm-build',
      result: 'failure',
      verdict: 'fail',
      reason: 'failed',
      url: 'https://github.com/x/job/1',
    },
    {
      id: 'vllm-test',
      name: 'vllm-test',
      result: 'skipped',
      verdict: 'fail',
      reason: 'dep',
      skip: 'dependency',
      cause: 'vllm-build',
    },
    { id: 'docs', name: 'docs <&>', result: 'success', verdict: 'pass', reason: 'succeeded' },
  ],
};
const passedReport: GateReport = { ...failedReport, result: 'success', jobs: [failedReport.jobs[2]!] };

/** Nothing secret may appear anywhere the runner keeps or shows. */
function expectNoSecret(result: StepResult, secret: string) {
  const visible = [
    result.stdout,
    result.stderr,
    result.summary,
    JSON.stringify(result.outputs),
    JSON.stringify(result.state),
  ];
  // The ::add-mask:: command itself is the one place the runner is told the value.
  const withoutMaskCommands = visible.map((text) => text.replace(/^::add-mask::.*$/gm, ''));
  for (const text of withoutMaskCommands) expect(text).not.toContain(secret);
  expect(result.masks).toContain(secret);
}

describe('slack-notify bundle', () => {
  let slack: FakeSlack;
  let github: FakeGitHub;
  const job = new SimulatedJob({
    workflow: 'Nightly CI Pipeline',
    runId: 4242,
    sha: 'f'.repeat(40),
    token: 'ghs_run_token',
  });
  beforeAll(async () => {
    slack = await FakeSlack.start();
    github = await FakeGitHub.start();
  });
  afterEach(async () => {
    await slack.idle();
    slack.clearFaults();
    slack.requests.length = 0;
    slack.messages.length = 0;
  });
  afterAll(async () => {
    job.cleanup();
    await slack.close();
    await github.close();
  });

  it('posts a report through the incoming webhook, masking the URL', async () => {
    const result = await job.run('slack-notify', {
      inputs: { 'webhook-url': slack.webhookUrl, report: JSON.stringify(failedReport), mention: 'S0OPSSUPPORT' },
    });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ sent: 'true', ts: '', channel: '' });
    expect(slack.messages).toHaveLength(1);
    const message = slack.messages[0]!;
    expect(message.via).toBe('webhook');
    expect(message.text).toMatch(/^<!subteam\^S0OPSSUPPORT> Nightly CI Pipeline failed: 2 job\(s\) failed/);
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain('<https://github.com/ai-dynamo/dynamo/actions/runs/4242|Nightly CI Pipeline: run 4242>');
    expect(blocks).toContain(':x: <https://github.com/x/job/1|vllm-build> (failure)');
    expect(JSON.parse(result.outputs.payload as string)).toEqual({ text: message.text, blocks: message.blocks });
    expect(result.summary).toContain('### 📣 Slack message sent');
    expectNoSecret(result, slack.webhookUrl);
  });

  it('posts with the Web API, then updates the same message in place', async () => {
    const inputs = { token: TOKEN, channel: 'C0CIALERTS', 'slack-api-url': slack.apiUrl, 'notify-on': 'always' };
    const first = await job.run('slack-notify', { inputs: { ...inputs, report: JSON.stringify(failedReport) } });
    expect(first.errors).toEqual([]);
    expect(first.outputs.sent).toBe('true');
    expect(first.outputs.ts).toMatch(/^\d+\.\d{6}$/);
    expect(first.outputs.channel).toBe('C0CIALERTS');
    const posted = slack.seen('POST', '/api/chat.postMessage')[0];
    expect(posted?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    const second = await job.run('slack-notify', {
      inputs: { ...inputs, report: JSON.stringify(passedReport), 'update-ts': first.outputs.ts },
    });
    expect(second.errors).toEqual([]);
    expect(second.outputs.ts).toBe(first.outputs.ts);
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]?.updates).toBe(1);
    expect(JSON.stringify(slack.messages[0]?.blocks)).toContain('✅ Nightly CI Pipeline passed');
    expect(second.summary).toContain('Slack message updated');
    expectNoSecret(second, TOKEN);
  });

  it("fails the step with Slack's error text for ok:false, or only warns with fail-on-error: false", async () => {
    const inputs = {
      token: TOKEN,
      channel: 'C0NOTJOINED',
      'slack-api-url': slack.apiUrl,
      report: JSON.stringify(failedReport),
    };
    const failed = await job.run('slack-notify', { inputs });
    expect(failed.exitCode).toBe(1);
    expect(failed.errors.map((error) => error.message)).toEqual([
      'Slack rejected the message (chat.postMessage): not_in_channel. Invite the bot to the channel (/invite @bot).',
    ]);
    expect(failed.outputs.sent).toBe('false');
    expect(slack.seen('POST', '/api/chat.postMessage')).toHaveLength(1);

    const warned = await job.run('slack-notify', {
      inputs: { ...inputs, 'fail-on-error': false, token: 'xoxb-wrong' },
    });
    expect(warned.exitCode).toBe(0);
    expect(warned.warnings.map((warning) => warning.message)).toEqual([
      'Slack rejected the message (chat.postMessage): invalid_auth. Check the bot token. (fail-on-error is false, so the step continues.)',
    ]);
    expectNoSecret(warned, 'xoxb-wrong');
  });

  it('reports the webhook error text of a payload Slack refuses', async () => {
    const result = await job.run('slack-notify', {
      inputs: {
        'webhook-url': slack.webhookUrl,
        payload: '{"text":"x","blocks":[{"type":"bogus"}]}',
        'notify-on': 'always',
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((error) => error.message)).toEqual([
      'Slack rejected the message (the incoming webhook): HTTP 400 invalid_blocks. The blocks break a Block Kit rule.',
    ]);
    const revoked = await job.run('slack-notify', {
      inputs: { 'webhook-url': `${slack.url}/services/T0/B0/revoked`, report: JSON.stringify(failedReport) },
    });
    expect(revoked.errors[0]?.message).toBe(
      'Slack rejected the message (the incoming webhook): HTTP 404 no_service. The webhook URL is revoked or wrong.',
    );
    expectNoSecret(revoked, `${slack.url}/services/T0/B0/revoked`);
  });

  it('waits out 429 Retry-After on both transports and backs off on 5xx', async () => {
    slack.rateLimit('webhook', 2, 1);
    const started = Date.now();
    const hook = await job.run('slack-notify', {
      inputs: { 'webhook-url': slack.webhookUrl, report: JSON.stringify(failedReport) },
    });
    expect(hook.errors).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(slack.seen('POST', slack.webhookPath)).toHaveLength(3);
    expect(hook.log.filter((line) => line.includes('HTTP 429 rate_limited; retry'))).toHaveLength(2);

    slack.rateLimit('api', 1, 0);
    slack.fault({ path: '/api/chat.postMessage', status: 503, times: 1 });
    const api = await job.run('slack-notify', {
      inputs: {
        token: TOKEN,
        channel: 'C0CIALERTS',
        'slack-api-url': slack.apiUrl,
        report: JSON.stringify(failedReport),
      },
    });
    expect(api.errors).toEqual([]);
    expect(api.outputs.sent).toBe('true');
    expect(slack.seen('POST', '/api/chat.postMessage')).toHaveLength(3);
    expect(slack.messages).toHaveLength(2);
  });

  it('gives up after the retries on a persistent 5xx, and on a Retry-After too long to wait', async () => {
    slack.fault({ path: slack.webhookPath, status: 500 });
    const result = await job.run('slack-notify', {
      inputs: { 'webhook-url': slack.webhookUrl, report: JSON.stringify(failedReport), retries: 1 },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toMatch(
      /^Slack could not be reached \(the incoming webhook after 2 attempts\): HTTP 500 /,
    );
    slack.clearFaults();

    slack.rateLimit('api', 1, 3600);
    const limited = await job.run('slack-notify', {
      inputs: {
        token: TOKEN,
        channel: 'C0CIALERTS',
        'slack-api-url': slack.apiUrl,
        report: JSON.stringify(failedReport),
      },
    });
    expect(limited.errors.map((error) => error.message)).toEqual([
      'Slack chat.postMessage is rate-limited for 3600s (Retry-After), longer than the 60s this step waits.',
    ]);
  });

  it('times out a slow Slack and retries, then fails with a clear message', async () => {
    slack.fault({ path: slack.webhookPath, delayMs: 1500, times: 1 });
    const recovered = await job.run('slack-notify', {
      inputs: { 'webhook-url': slack.webhookUrl, report: JSON.stringify(failedReport), 'request-timeout': '300ms' },
    });
    expect(recovered.errors).toEqual([]);
    expect(recovered.log.some((line) => line.includes('request timed out; retry 1'))).toBe(true);

    slack.fault({ path: '/api/chat.postMessage', delayMs: 1500 });
    const failed = await job.run('slack-notify', {
      inputs: {
        token: TOKEN,
        channel: 'C0CIALERTS',
        'slack-api-url': slack.apiUrl,
        report: JSON.stringify(failedReport),
        'request-timeout': '200ms',
        retries: 0,
      },
    });
    expect(failed.errors.map((error) => error.message)).toEqual([
      'Slack could not be reached (chat.postMessage): request timed out.',
    ]);
  });

  it('reads every page of the run jobs, waits for the unfinished ones, and never reports itself', async () => {
    const jobs: FakeJob[] = Array.from({ length: 250 }, (_, index) => ({
      name: `pipeline / matrix (${index % 4}) / job ${index}`,
      conclusion: index === 7 || index === 230 ? 'failure' : 'success',
    }));
    jobs.push({ name: 'release / publish', status: 'in_progress', conclusion: null });
    jobs.push({ name: 'notify-slack', status: 'in_progress', conclusion: null, runner_name: 'simulated-runner' });
    github.setJobs(4242, jobs);
    github.requests.length = 0;
    // The publication job finishes (and fails) once slack-notify has read all three pages and waits.
    const finish = setInterval(() => {
      if (github.seen('GET', '/repos/ai-dynamo/dynamo/actions/runs/4242/jobs').length < 3) return;
      const publish = github.runJobs.get(4242)?.find((entry) => entry.name === 'release / publish');
      Object.assign(publish ?? {}, { status: 'completed', conclusion: 'failure' });
      clearInterval(finish);
    }, 10);
    const apiJob = new SimulatedJob({
      apiUrl: github.url,
      runId: 4242,
      token: 'ghs_run_token',
      workflow: 'Nightly CI Pipeline',
    });
    try {
      const result = await apiJob.run('slack-notify', {
        inputs: { 'webhook-url': slack.webhookUrl, 'poll-interval': '500ms', 'wait-timeout': '20s' },
      });
      expect(result.errors).toEqual([]);
      const pages = github.seen('GET', '/repos/ai-dynamo/dynamo/actions/runs/4242/jobs');
      expect(pages.length).toBeGreaterThanOrEqual(6);
      expect(pages.every((page) => page.query.get('per_page') === '100')).toBe(true);
      // (A request the timeout test abandoned may still land in the fake, as it could in Slack.)
      const message = slack.messages.find((candidate) => candidate.text?.includes('publish'));
      const text = JSON.stringify(message?.blocks);
      expect(text).toContain('job 7');
      expect(text).toContain('job 230');
      expect(text).toContain(
        '*release*\\n:x: <https://github.com/ai-dynamo/dynamo/actions/runs/4242/job/42420250|publish> (failure)',
      );
      expect(text).not.toContain('notify-slack');
      expect(message?.text).toContain('3 job(s) failed');
      expectNoSecret(result, 'ghs_run_token');
    } finally {
      clearInterval(finish);
      apiJob.cleanup();
    }
  });

  it('sends nothing when the result does not match notify-on, or in a dry run', async () => {
    const quiet = await job.run('slack-notify', {
      inputs: { 'webhook-url': slack.webhookUrl, report: JSON.stringify(passedReport) },
    });
    expect(quiet.exitCode).toBe(0);
    expect(quiet.outputs).toMatchObject({ sent: 'false', payload: '' });
    expect(quiet.log).toContain('Not sending: the result is success and notify-on is failure.');

    const dry = await job.run('slack-notify', { inputs: { report: JSON.stringify(failedReport), 'dry-run': true } });
    expect(dry.exitCode).toBe(0);
    expect(dry.outputs.sent).toBe('false');
    expect(JSON.parse(dry.outputs.payload as string).blocks[0].text.text).toBe('❌ Nightly CI Pipeline failed');
    expect(dry.summary).toContain('Slack message not sent (dry run)');
    expect(slack.requests).toHaveLength(0);
  });

  it('sends a custom payload file with run fields substituted', async () => {
    writeFileSync(
      join(job.workspace, 'slack payload.json'),
      JSON.stringify({
        text: '{{ run.workflow }}: {{ run.result }}',
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: '<{{ run.url }}|{{ run.workflow }}> at `{{ run.short_sha }}` by {{ run.actor }}',
            },
          },
        ],
      }),
    );
    const result = await job.run('slack-notify', {
      inputs: { 'webhook-url': slack.webhookUrl, 'payload-file': 'slack payload.json', result: 'failure' },
    });
    expect(result.errors).toEqual([]);
    expect(slack.messages[0]?.text).toBe('Nightly CI Pipeline: failure');
    expect(JSON.stringify(slack.messages[0]?.blocks)).toContain(
      '<https://github.com/ai-dynamo/dynamo/actions/runs/4242|Nightly CI Pipeline> at `fffffff` by octocat',
    );

    const missing = await job.run('slack-notify', {
      inputs: { 'webhook-url': slack.webhookUrl, 'payload-file': 'nope.json' },
    });
    expect(missing.errors.map((error) => error.message)).toEqual([
      `Input 'payload-file' names "nope.json", which does not exist in the workspace.`,
    ]);
  });

  it("renders status-aggregate's real report output", async () => {
    const gate = await job.run('status-aggregate', {
      inputs: {
        needs: JSON.stringify({ build: { result: 'success' }, 'test <gpu>': { result: 'cancelled' } }),
        token: '',
      },
    });
    expect(gate.outputs.result).toBe('failure');
    const result = await job.run('slack-notify', {
      inputs: { 'webhook-url': slack.webhookUrl, report: gate.outputs.report, mention: '<@U0ONCALL1>' },
    });
    expect(result.errors).toEqual([]);
    const blocks = JSON.stringify(slack.messages[0]?.blocks);
    expect(blocks).toContain(':x: test &lt;gpu&gt; (cancelled)');
    expect(blocks).toContain('<@U0ONCALL1> please take a look.');
    expect(blocks).toContain('1 failed · 1 passed · 0 skipped');
  });

  it('rejects a report that is not a gate report, naming the input', async () => {
    const result = await job.run('slack-notify', {
      inputs: { 'webhook-url': slack.webhookUrl, report: '{"result":"failure"}' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((error) => error.message)).toEqual([
      `Input 'report' is not a status-aggregate report: its schema is undefined, expected "dynamo-ci/gate-report@1" (pass status-aggregate's \`report\` output)`,
    ]);
    expect(slack.requests).toHaveLength(0);
  });

  it("links pipeline-report's report and names the new failures first", async () => {
    const pipeline = {
      schema: PIPELINE_SUMMARY_SCHEMA,
      result: 'failure',
      line: '❌ 3 failed (1 new), 900 passed in 12 legs · 2h 10m wall · 600 runner-min · 380 GPU-min',
      url: 'https://github.com/ai-dynamo/dynamo/actions/runs/4242/attempts/1#summary-99',
      counts: { tests: 903, passed: 900, failed: 3, skipped: 0, flaky: 0, legs: 12 },
      newFailureCount: 1,
      failureCount: 3,
      failures: [
        {
          leg: 'test (vllm)',
          test: 'tests.test_router::test_drops',
          status: 'new',
          message: 'AssertionError: <dropped>',
          url: 'https://github.com/x/job/7',
        },
        { leg: 'test (sglang)', test: 'tests.test_kv::test_hit', status: 'known', since: 118 },
      ],
    };
    const result = await job.run('slack-notify', {
      inputs: {
        'webhook-url': slack.webhookUrl,
        report: JSON.stringify(failedReport),
        'pipeline-report': JSON.stringify(pipeline),
      },
    });
    expect(result.errors).toEqual([]);
    const message = slack.messages[0] as { text: string; blocks: { text?: { text: string } }[] };
    const texts = message.blocks.map((block) => block.text?.text ?? '');
    const tests = texts.findIndex((text) => text.includes('Pipeline report'));
    expect(tests).toBe(2);
    expect(texts[tests]?.split('\n')).toEqual([
      '*<https://github.com/ai-dynamo/dynamo/actions/runs/4242/attempts/1#summary-99|Pipeline report>*: ❌ 3 failed (1 new), 900 passed in 12 legs · 2h 10m wall · 600 runner-min · 380 GPU-min',
      ':new: <https://github.com/x/job/7|test (vllm): tests.test_router::test_drops> — AssertionError: &lt;dropped&gt;',
      ':repeat: test (sglang): tests.test_kv::test_hit (failing since #118)',
      '…and 1 more failing test: see <https://github.com/ai-dynamo/dynamo/actions/runs/4242/attempts/1#summary-99|the report>.',
    ]);
    expect(texts[tests + 1]).toContain('vllm-build');
    expect(message.text).toContain('1 new test failure');
  });

  it('rejects a pipeline report that is not one, naming the input', async () => {
    const result = await job.run('slack-notify', {
      inputs: {
        'webhook-url': slack.webhookUrl,
        report: JSON.stringify(failedReport),
        'pipeline-report': '{"schema":"x"}',
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((error) => error.message)).toEqual([
      `Input 'pipeline-report' is not a pipeline-report summary: its schema is "x", expected "${PIPELINE_SUMMARY_SCHEMA}" (pass pipeline-report's \`report\` output)`,
    ]);
    expect(slack.requests).toHaveLength(0);
  });
});
