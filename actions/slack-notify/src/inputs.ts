/** Raw action inputs -> the typed `Inputs`. Pure: files are read by the caller. */
import { InputError, inputs, jobGlob } from '@dynamo-ci/core';

export type NotifyOn = 'always' | 'failure' | 'success';

export type Transport =
  | { kind: 'webhook'; url: string }
  | { kind: 'api'; token: string; channel: string; updateTs?: string; threadTs?: string; apiUrl: string };

export interface Inputs {
  /** Undefined only in a dry run without a destination. */
  transport?: Transport;
  report?: string;
  /** pipeline-report's `report` output. */
  pipelineReport?: string;
  payload?: string;
  payloadFile?: string;
  githubToken?: string;
  /** Globs over job names to report on when collecting from the API (default: every job but this one). */
  jobs: RegExp[];
  waitTimeoutMs: number;
  pollIntervalMs: number;
  title?: string;
  mentions: string[];
  result?: 'success' | 'failure';
  notifyOn: NotifyOn;
  dryRun: boolean;
  failOnError: boolean;
  retries: number;
  requestTimeoutMs: number;
}

/**
 * A URL the message (and the token or webhook secret with it) may go to: https://, or plain http://
 * only to this machine (127.0.0.0/8, ::1, localhost), where a test server or a local proxy listens.
 * Plain http elsewhere would hand the secret to anyone on the path.
 */
function slackUrl(value: string, name: string, what: string, shown = ''): string {
  let url: URL | undefined;
  try {
    url = /\s/.test(value) ? undefined : new URL(value);
  } catch {
    url = undefined;
  }
  const secure = url?.protocol === 'https:' || (url?.protocol === 'http:' && isLoopback(url.hostname));
  if (!url || !secure || url.hostname === '') {
    throw new InputError(
      name,
      `Input '${name}' must be an https:// ${what} (plain http:// only to 127.0.0.0/8, ::1 or localhost)${shown}.`,
    );
  }
  return value;
}

/** `URL` has already normalised the host: `127.1` and `0x7f.0.0.1` read as `127.0.0.1`. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export function parseInputs(read: (name: string) => string | undefined): Inputs {
  const dryRun = inputs.boolean(read('dry-run'), 'dry-run', false);
  const webhookUrl = inputs.optional(read('webhook-url'))?.trim();
  const token = inputs.optional(read('token'))?.trim();
  const channel = inputs.optional(read('channel'))?.trim();
  const updateTs = timestamp(read('update-ts'), 'update-ts');
  const threadTs = timestamp(read('thread-ts'), 'thread-ts');

  let transport: Transport | undefined;
  if (webhookUrl && token) {
    throw new InputError('webhook-url', "Inputs 'webhook-url' and 'token' are both set: use one way to reach Slack.");
  }
  if (webhookUrl) {
    if (updateTs || threadTs) {
      throw new InputError(
        updateTs ? 'update-ts' : 'thread-ts',
        `Input '${updateTs ? 'update-ts' : 'thread-ts'}' needs the Web API: incoming webhooks cannot update or thread messages. Use 'token' and 'channel' instead of 'webhook-url'.`,
      );
    }
    // Never echo the value: it is a secret even when malformed.
    transport = { kind: 'webhook', url: slackUrl(webhookUrl, 'webhook-url', 'incoming-webhook URL') };
  } else if (token) {
    if (!channel) {
      throw new InputError(
        'channel',
        "Input 'channel' is required with 'token': give the channel ID (C…) to post into.",
      );
    }
    if (/[\s,]/.test(channel)) {
      throw new InputError('channel', `Input 'channel' must be one channel ID or name, got ${JSON.stringify(channel)}`);
    }
    const rawApiUrl = inputs.optional(read('slack-api-url'))?.trim() ?? 'https://slack.com/api/';
    const apiUrl = slackUrl(rawApiUrl, 'slack-api-url', 'URL', `, got ${JSON.stringify(rawApiUrl)}`);
    transport = { kind: 'api', token, channel, updateTs, threadTs, apiUrl };
  } else if (!dryRun) {
    throw new InputError(
      'webhook-url',
      "Set 'webhook-url', or 'token' and 'channel', to say where the message goes (or use dry-run: true).",
    );
  }

  const payload = inputs.optional(read('payload'));
  const payloadFile = inputs.optional(read('payload-file'))?.trim();
  if (payload && payloadFile) {
    throw new InputError('payload', "Inputs 'payload' and 'payload-file' are both set: use one.");
  }
  const result = inputs.optional(read('result'))?.trim();
  return {
    transport,
    report: inputs.optional(read('report')),
    pipelineReport: inputs.optional(read('pipeline-report')),
    payload,
    payloadFile,
    githubToken: inputs.optional(read('github-token'))?.trim(),
    jobs: inputs.list(read('jobs'), { comma: false }).map(jobGlob),
    waitTimeoutMs: inputs.duration(read('wait-timeout'), 'wait-timeout', 10 * 60_000, 's'),
    pollIntervalMs: inputs.duration(read('poll-interval'), 'poll-interval', 15_000, 's'),
    title: inputs.optional(read('title'))?.trim(),
    mentions: inputs.list(read('mention')).map(parseMention),
    result:
      result === undefined ? undefined : inputs.oneOf(result, 'result', ['success', 'failure'] as const, 'failure'),
    notifyOn: inputs.oneOf(read('notify-on'), 'notify-on', ['always', 'failure', 'success'] as const, 'failure'),
    dryRun,
    failOnError: inputs.boolean(read('fail-on-error'), 'fail-on-error', true),
    retries: inputs.integer(read('retries'), 'retries', 4, { min: 0, max: 10 }),
    requestTimeoutMs: inputs.duration(read('request-timeout'), 'request-timeout', 30_000, 's'),
  };
}

/**
 * A mention Slack turns into a notification: `<!subteam^S…>` (user group), `<@U…>` (user),
 * `<!here>`, `<!channel>`, or a bare `S…`/`U…`/`W…` ID. Plain `@name` text notifies nobody,
 * which is exactly upstream's `@ops-support` bug, so it is refused.
 */
export function parseMention(raw: string): string {
  const value = raw.trim();
  if (/^<!subteam\^[A-Z0-9]+(\|[^>]*)?>$/.test(value) || /^<@[UW][A-Z0-9]+>$/.test(value)) return value;
  if (value === '<!here>' || value === '<!channel>') return value;
  if (value === '@here' || value === '@channel') return `<!${value.slice(1)}>`;
  if (/^S[A-Z0-9]{6,}$/.test(value)) return `<!subteam^${value}>`;
  if (/^[UW][A-Z0-9]{6,}$/.test(value)) return `<@${value}>`;
  throw new InputError(
    'mention',
    `Input 'mention' entry ${JSON.stringify(value)} would not notify anyone: plain @names are just text in Slack. Use a user-group ID (S…, or <!subteam^S…>) or a user ID (U…, or <@U…>); find them in the group's or member's profile.`,
  );
}

/** A Slack message timestamp: `1712345678.123456`. */
function timestamp(raw: string | undefined, name: string): string | undefined {
  const value = inputs.optional(raw)?.trim();
  if (value === undefined) return undefined;
  if (!/^\d{9,11}\.\d{6}$/.test(value)) {
    throw new InputError(
      name,
      `Input '${name}' must be a Slack message ts like 1712345678.123456, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
