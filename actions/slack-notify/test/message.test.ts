import type { RunJob } from '@dynamo-ci/core';
import {
  GATE_REPORT_SCHEMA,
  type GateReport,
  PIPELINE_SUMMARY_SCHEMA,
  type PipelineSummary,
  parseReport,
  type ReportJob,
} from '@dynamo-ci/core';
import { recordingLogger, validateMessage } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { parseInputs, parseMention } from '../src/inputs.js';
import { collectJobs, isSelf, jobsToReport } from '../src/jobs.js';
import { buildMessage, escapeSlack, fitToLimits, LIMITS, type RunInfo } from '../src/message.js';
import { parsePayload, substitute } from '../src/template.js';

const run: RunInfo = {
  serverUrl: 'https://github.com',
  repository: 'ai-dynamo/dynamo',
  runId: 42,
  runAttempt: 1,
  runUrl: 'https://github.com/ai-dynamo/dynamo/actions/runs/42',
  workflow: 'Post-Merge CI Pipeline',
  ref: 'refs/heads/main',
  sha: '0123456789abcdef0123456789abcdef01234567',
  actor: 'octocat',
};

function report(jobs: Partial<ReportJob>[]): GateReport {
  const rows = jobs.map((job, index) => ({
    id: job.name ?? `job-${index}`,
    name: `job-${index}`,
    result: 'failure' as const,
    verdict: 'fail' as const,
    reason: 'failed',
    ...job,
  }));
  return {
    schema: GATE_REPORT_SCHEMA,
    result: rows.some((row) => row.verdict === 'fail') ? 'failure' : 'success',
    run: {},
    jobs: rows,
  };
}

const allText = (payload: { blocks?: unknown[] }) => JSON.stringify(payload.blocks);

describe('the default message', () => {
  it('groups failed jobs by workflow path, links them, escapes names and mentions for real', () => {
    const message = buildMessage(
      report([
        { name: 'vllm / matrix (12.9) / Build cuda12.9', url: 'https://github.com/j/1' },
        { name: 'vllm / matrix (12.9) / Test <gpu> & "x"', result: 'timed_out' },
        { name: 'deploy-test-vllm', result: 'skipped', skip: 'dependency', cause: 'vllm-copy-to-acr' },
        { name: 'ok-job', result: 'success', verdict: 'pass' },
      ]),
      run,
      { mentions: ['<!subteam^S0OPS>'] },
    );
    expect(validateMessage(message.text, message.blocks)).toBeUndefined();
    expect(message.blocks?.[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '❌ Post-Merge CI Pipeline failed', emoji: true },
    });
    const intro = (message.blocks![1] as unknown as { text: { text: string } }).text.text;
    expect(intro).toContain('<https://github.com/ai-dynamo/dynamo/actions/runs/42|Post-Merge CI Pipeline: run 42>');
    expect(intro).toContain(
      '<https://github.com/ai-dynamo/dynamo/commit/0123456789abcdef0123456789abcdef01234567|0123456> by octocat',
    );
    expect(intro).toContain('<!subteam^S0OPS> please take a look.');
    const list = (message.blocks![2] as unknown as { text: { text: string } }).text.text;
    expect(list).toBe(
      [
        '*vllm / matrix (12.9)*',
        ':x: <https://github.com/j/1|Build cuda12.9> (failure)',
        ':x: Test &lt;gpu&gt; &amp; "x" (timed out)',
        ':x: deploy-test-vllm (skipped: vllm-copy-to-acr did not succeed)',
      ].join('\n'),
    );
    expect(message.text).toMatch(/^<!subteam\^S0OPS> Post-Merge CI Pipeline failed: 3 job\(s\) failed/);
    expect((message.blocks!.at(-1) as unknown as { elements: { text: string }[] }).elements[0]?.text).toBe(
      '3 failed · 1 passed · 0 skipped',
    );
  });

  it('does not mention anyone on success', () => {
    const message = buildMessage(report([{ result: 'success', verdict: 'pass' }]), run, { mentions: ['<@U0ME>'] });
    expect(allText(message)).not.toContain('<@U0ME>');
    expect(message.text).not.toContain('<@U0ME>');
    expect(allText(message)).toContain('✅ Post-Merge CI Pipeline passed');
  });

  it.each([1000, 120])('keeps %i failed jobs inside every Slack limit, saying how many more', (count) => {
    const jobs = Array.from({ length: count }, (_, index) => ({
      name: `pipeline ${index % 7} / matrix (cuda ${index % 3}) / a rather long job name number ${index}`,
      url: `https://github.com/ai-dynamo/dynamo/actions/runs/42/job/${1_000_000 + index}`,
    }));
    const message = buildMessage(report(jobs), run, { mentions: [] });
    expect(validateMessage(message.text, message.blocks)).toBeUndefined();
    expect(message.blocks?.length).toBeLessThanOrEqual(LIMITS.blocks);
    const shown = (allText(message).match(/:x: /g) ?? []).length;
    expect(shown).toBeGreaterThan(20);
    expect(allText(message)).toContain(`…and ${count - shown} more failed jobs`);
  });

  it('fits a pipeline report with many long failures beside hundreds of failed jobs within Slack limits', () => {
    const failures = Array.from({ length: 20 }, (_, index) => ({
      leg: `test (leg-${index}) ${'x'.repeat(100)}`,
      test: `tests.test_${'y'.repeat(200)}::test_${index}`,
      status: index < 5 ? ('new' as const) : ('known' as const),
      since: 100,
      message: `<${'z'.repeat(300)}>`,
      url: `https://github.com/j/${index}`,
    }));
    const pipeline: PipelineSummary = {
      schema: PIPELINE_SUMMARY_SCHEMA,
      result: 'failure',
      line: 'line',
      counts: { tests: 1, passed: 0, failed: 1, skipped: 0, flaky: 0, legs: 1 },
      newFailureCount: 5,
      failureCount: 4000,
      failures,
    };
    const jobs = Array.from({ length: 400 }, (_, index) => ({
      name: `vllm / matrix / job ${index} ${'n'.repeat(60)}`,
    }));
    const message = buildMessage(report(jobs), run, { mentions: [], pipeline });
    expect(validateMessage(message.text, message.blocks)).toBeUndefined();
    const section = JSON.stringify(message.blocks?.[2]);
    expect(section).toContain(':new:');
    expect(section).toMatch(/…and \d+ more failing tests/);
    expect(JSON.stringify(message.blocks?.at(-2))).toMatch(/…and \d+ more failed jobs/);
  });

  it('cuts a header over 150 characters', () => {
    const message = buildMessage(report([{}]), run, { title: 'x'.repeat(400), mentions: [] });
    expect(validateMessage(message.text, message.blocks)).toBeUndefined();
  });
});

describe('fitToLimits on custom payloads', () => {
  it('clamps blocks, sections and headers instead of letting Slack reject them', () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(200) } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n') },
      },
      ...Array.from({ length: 60 }, () => ({ type: 'divider' })),
    ];
    expect(validateMessage('t', blocks)).toBe('invalid_blocks');
    const { payload, cuts } = fitToLimits({ text: 't', blocks });
    expect(validateMessage(payload.text, payload.blocks)).toBeUndefined();
    expect(payload.blocks).toHaveLength(50);
    expect(cuts).toEqual([
      'a header of 200 characters was cut to 150',
      'a section of 4389 characters was cut to 3000',
      '62 blocks were cut to 50',
    ]);
    expect(JSON.stringify(payload.blocks?.at(-1))).toContain('…and 13 more blocks');
    expect(JSON.stringify(payload.blocks?.[1])).toMatch(/…and \d+ more lines/);
  });
});

describe('custom payload templates', () => {
  const fields = { url: 'https://x/runs/1?a=1&b=2', workflow: 'CI "nightly"', result: 'failure', actor: '<evil>' };
  it('substitutes run fields inside JSON strings, escaped, so quotes cannot break the payload', () => {
    const payload = parsePayload(
      '{"text": "{{ run.workflow }} {{run.result}}", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "<{{ run.url }}|run> by {{ run.actor }}"}}]}',
      'payload',
    );
    expect(substitute(payload, fields, 'payload')).toEqual({
      text: 'CI "nightly" failure',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '<https://x/runs/1?a=1&amp;b=2|run> by &lt;evil&gt;' } },
      ],
    });
  });

  it('accepts a bare block array and refuses unknown fields and non-messages', () => {
    expect(parsePayload('[{"type":"divider"}]', 'payload-file')).toEqual({ blocks: [{ type: 'divider' }] });
    expect(() => substitute(parsePayload('{"text":"{{ run.nope }}"}', 'payload'), fields, 'payload')).toThrow(
      "Input 'payload' uses {{ run.nope }}, which is not a run field. Known: run.url, run.workflow, run.result, run.actor.",
    );
    expect(() => parsePayload('{"channel":"C1"}', 'payload')).toThrow('has no "text", "blocks" or "attachments"');
    expect(() => parsePayload('{"text":', 'payload-file')).toThrow(
      /^Input 'payload-file' must be a JSON Slack message/,
    );
    expect(() => parsePayload('"hi"', 'payload')).toThrow('must be a JSON object or an array of blocks, got string');
  });
});

describe('inputs', () => {
  const parse = (raw: Record<string, string>) => () => parseInputs((name) => raw[name]);

  it.each([
    ['S0123ABCD', '<!subteam^S0123ABCD>'],
    ['<!subteam^S0123ABCD|@ops-support>', '<!subteam^S0123ABCD|@ops-support>'],
    ['U0123ABCD', '<@U0123ABCD>'],
    ['<@W0123ABCD>', '<@W0123ABCD>'],
    ['@here', '<!here>'],
  ])('turns mention %s into %s', (raw, mention) => {
    expect(parseMention(raw)).toBe(mention);
  });

  it('refuses the plain @ops-support that notified nobody upstream', () => {
    expect(() => parseMention('@ops-support')).toThrow(/^Input 'mention' entry "@ops-support" would not notify anyone/);
  });

  it.each([
    [{}, "Set 'webhook-url', or 'token' and 'channel'"],
    [{ token: 'xoxb-1' }, "Input 'channel' is required with 'token'"],
    [{ 'webhook-url': 'https://h/x', token: 'xoxb-1' }, 'are both set'],
    [{ 'webhook-url': 'https://h/x', 'update-ts': '1712345678.123456' }, 'incoming webhooks cannot update'],
    [
      { 'webhook-url': 'not a url secret123' },
      "Input 'webhook-url' must be an https:// incoming-webhook URL (plain http:// only to 127.0.0.0/8, ::1 or localhost).",
    ],
    [{ token: 'x', channel: 'C1', 'update-ts': 'yesterday' }, "Input 'update-ts' must be a Slack message ts"],
    [{ 'dry-run': 'true', 'notify-on': 'sometimes' }, "Input 'notify-on' must be one of always|failure|success"],
    [{ 'dry-run': 'true', payload: '{}', 'payload-file': 'p.json' }, "'payload' and 'payload-file' are both set"],
    [{ 'dry-run': 'true', 'wait-timeout': 'soon' }, "Input 'wait-timeout' must be a duration"],
    [{ 'dry-run': 'true', retries: '99' }, "Input 'retries' must be "],
  ])('%j -> %s', (raw, message) => {
    expect(parse(raw as Record<string, string>)).toThrow(message);
  });

  const WEBHOOK = "Input 'webhook-url' must be an https:// incoming-webhook URL";
  const API = "Input 'slack-api-url' must be an https:// URL";
  it.each([
    ['http://hooks.slack.com/services/T0/B0/secret', WEBHOOK],
    ['http://127.0.0.1.evil.example/services/x', WEBHOOK],
    ['http://localhost.evil.example/x', WEBHOOK],
    ['http://[::2]/x', WEBHOOK],
    ['http://10.0.0.1/x', WEBHOOK],
    ['https://', WEBHOOK],
    ['hooks.slack.com/services/T0/B0/x', WEBHOOK],
    ['file:///etc/passwd', WEBHOOK],
  ])('refuses the webhook URL %s', (url, message) => {
    expect(parse({ 'webhook-url': url })).toThrow(message);
    expect(parse({ 'webhook-url': url })).toThrow(/^(?!.*(secret|evil|passwd))/);
  });

  it.each([
    [
      'http://slack.example/api/',
      `${API} (plain http:// only to 127.0.0.0/8, ::1 or localhost), got "http://slack.example/api/".`,
    ],
    ['ftp://slack.example/api/', API],
    ['http://127.0.0.1.nip.io/api/', API],
  ])('refuses the API URL %s, naming it', (url, message) => {
    expect(parse({ token: 'xoxb-1', channel: 'C1', 'slack-api-url': url })).toThrow(message);
  });

  it.each([
    'https://hooks.slack.com/services/T0/B0/x',
    'http://127.0.0.1:8080/services/T0/B0/x',
    'http://127.1.2.3/x',
    'http://localhost:9/x',
    'http://[::1]:9/x',
  ])('accepts %s', (url) => {
    const parsed = parseInputs((name) => ({ 'webhook-url': url })[name]);
    expect(parsed.transport).toEqual({ kind: 'webhook', url });
    const api = parseInputs((name) => ({ token: 'xoxb-1', channel: 'C1', 'slack-api-url': url })[name]);
    expect(api.transport).toMatchObject({ kind: 'api', apiUrl: url });
  });

  it('never puts the webhook URL in an error', () => {
    expect(parse({ 'webhook-url': 'ftp://hooks/T0/B0/supersecret' })).toThrow(/^(?!.*supersecret)/);
  });
});

describe('collecting the run jobs', () => {
  const job = (name: string, status = 'completed', conclusion: string | null = 'success'): RunJob => ({
    name,
    status,
    conclusion,
  });

  it('waits until the jobs it reports on have finished, ignoring itself', async () => {
    const pages = [
      [job('build'), job('publish', 'in_progress', null), { ...job('notify', 'in_progress', null), runnerName: 'r1' }],
      [
        job('build'),
        job('publish', 'completed', 'failure'),
        { ...job('notify', 'in_progress', null), runnerName: 'r1' },
      ],
    ];
    const slept: number[] = [];
    let call = 0;
    const collected = await collectJobs(async () => pages[Math.min(call++, 1)] as RunJob[], {
      include: [],
      self: { runnerName: 'r1' },
      waitTimeoutMs: 60_000,
      pollIntervalMs: 5000,
      sleep: async (ms) => {
        slept.push(ms);
      },
      log: recordingLogger(),
    });
    expect(slept).toEqual([5000]);
    expect(collected.unfinished).toEqual([]);
    expect(collected.jobs.map((entry) => entry.name)).toEqual(['build', 'publish']);
    const gate = jobsToReport(collected, {}, 60_000);
    expect(gate.result).toBe('failure');
    expect(gate.jobs.find((entry) => entry.name === 'publish')?.verdict).toBe('fail');
  });

  it('stops at the deadline and reports what is still running', async () => {
    let clock = 0;
    const collected = await collectJobs(async () => [job('release', 'queued', null)], {
      include: [],
      self: {},
      waitTimeoutMs: 30_000,
      pollIntervalMs: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      log: recordingLogger(),
    });
    expect(collected.requests).toBe(4);
    expect(collected.unfinished).toEqual(['release']);
    expect(jobsToReport(collected, {}, 30_000).jobs[0]).toMatchObject({
      result: 'in_progress',
      verdict: 'fail',
      reason: 'still queued after waiting 30s',
    });
  });

  it('reports a conclusion it does not know as a failure instead of passing it through', () => {
    const report = jobsToReport(
      { jobs: [job('build'), job('odd', 'completed', 'exploded_somehow')], unfinished: [], requests: 1 },
      {},
      30_000,
    );
    expect(report.result).toBe('failure');
    expect(report.jobs[1]).toMatchObject({
      result: 'failure',
      verdict: 'fail',
      reason: 'unknown conclusion "exploded_somehow"',
    });
    expect(parseReport(JSON.stringify(report)).jobs).toHaveLength(2);
  });

  it('knows itself by runner name or job id, never a finished job', () => {
    expect(isSelf({ ...job('x', 'in_progress', null), runnerName: 'r' }, { runnerName: 'r' })).toBe(true);
    expect(isSelf(job('notify-slack', 'in_progress', null), { jobId: 'notify-slack' })).toBe(true);
    expect(isSelf(job('notify-slack'), { jobId: 'notify-slack' })).toBe(false);
  });
});

it('keeps hostile job names inside their link', () => {
  const message = buildMessage(
    report([{ name: 'a / x|y\n<!channel> $(rm -rf /) ünï', url: 'https://github.com/j?a=1&b=2' }]),
    run,
    { mentions: [] },
  );
  expect(allText(message)).toContain(
    ':x: <https://github.com/j?a=1&amp;b=2|x¦y &lt;!channel&gt; $(rm -rf /) ünï> (failure)',
  );
  expect(allText(message)).not.toContain('<!channel>');
});

it('escapes exactly &, < and >', () => {
  expect(escapeSlack('a & <b> "c"')).toBe('a &amp; &lt;b&gt; "c"');
});
