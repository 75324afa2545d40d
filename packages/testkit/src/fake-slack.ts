/**
 * A fake Slack for slack-notify, speaking both wire formats the real clients use:
 *
 * - Incoming webhooks: `POST /services/T…/B…/…` with a JSON body; `200 ok` as text, or a non-2xx
 *   status with a short text error (`invalid_payload`, `no_text`, `invalid_blocks`, `no_service`).
 * - The Web API: `POST /api/chat.postMessage` and `/api/chat.update`, form-encoded (as
 *   `@slack/web-api` sends) or JSON, token as `Authorization: Bearer` or a `token` field; always
 *   HTTP 200 with `{ok: true, channel, ts, message}` or `{ok: false, error}`.
 *
 * Both validate blocks against Slack's limits (50 blocks, 3000 characters of section text, 150 of
 * header text, about 13k characters in all) so a message that would bounce off Slack bounces off
 * the fake. `rateLimit()` answers 429 with `Retry-After` in seconds and Slack's bodies; 5xx, slow
 * answers and hang-ups come from `FakeHttpServer.fault`.
 */
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './http.js';

export interface SlackMessage {
  via: 'webhook' | 'api';
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  /** How many times chat.update changed it. */
  updates: number;
}

interface RateLimit {
  target: 'webhook' | 'api';
  remaining: number;
  retryAfterSeconds: number;
}

/** Slack's limits as the fake enforces them. */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  fieldText: 2000,
  fields: 10,
  /** `msg_blocks_too_long` is observed at about 13k characters of block text (slackapi/bolt-js#2509). */
  totalBlockText: 13_000,
} as const;

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'context',
  'divider',
  'actions',
  'image',
  'rich_text',
  'input',
  'file',
  'video',
  'markdown',
]);

export class FakeSlack extends FakeHttpServer {
  readonly messages: SlackMessage[] = [];
  /** Tokens that authenticate. */
  readonly tokens = new Set<string>(['xoxb-fake-bot-token']);
  /** Channel id -> name for the channels the bot is a member of. */
  readonly channels = new Map<string, string>([['C0CIALERTS', 'ci-alerts']]);
  /** Channels that exist but the bot has not joined (`not_in_channel`). */
  readonly foreignChannels = new Set<string>(['C0NOTJOINED']);
  /** The incoming-webhook path; others answer 404 `no_service`, as a revoked webhook does. */
  readonly webhookPath = '/services/T0000FAKE/B0000FAKE/fakewebhooksecret0000';
  /** The channel the webhook posts into. */
  webhookChannel = 'C0CIALERTS';
  private readonly rateLimits: RateLimit[] = [];
  private clock = 1_700_000_000;

  static async start(): Promise<FakeSlack> {
    const fake = new FakeSlack();
    fake.registerRoutes();
    return fake.start();
  }

  /** The full incoming-webhook URL (a secret in real life). */
  get webhookUrl(): string {
    return `${this.url}${this.webhookPath}`;
  }

  /** The Web API base URL, for `WebClient`'s `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** Answer the next `times` requests to the webhook or the Web API with 429 and `Retry-After`. */
  rateLimit(target: 'webhook' | 'api', times: number, retryAfterSeconds = 1): this {
    this.rateLimits.push({ target, remaining: times, retryAfterSeconds });
    return this;
  }

  private takeRateLimit(target: 'webhook' | 'api'): RateLimit | undefined {
    const limit = this.rateLimits.find((candidate) => candidate.target === target && candidate.remaining > 0);
    if (limit) limit.remaining--;
    return limit;
  }

  private nextTs(): string {
    this.clock += 1;
    return `${this.clock}.${String(this.messages.length + 1).padStart(6, '0')}`;
  }

  private registerRoutes(): void {
    this.route('POST', '/services/*hook', (request) => this.webhook(request));
    this.route('POST', '/api/:method', (request) => this.webApi(request));
  }

  private webhook(request: FakeRequest): FakeResponse {
    const limit = this.takeRateLimit('webhook');
    if (limit) return text(429, 'rate_limited', { 'retry-after': String(limit.retryAfterSeconds) });
    if (request.path !== this.webhookPath) return text(404, 'no_service');
    if (!String(request.headers['content-type'] ?? '').includes('application/json')) {
      return text(400, 'invalid_payload');
    }
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return text(400, 'invalid_payload');
    const problem = validateMessage(body.text, body.blocks);
    if (problem) return text(400, problem);
    this.messages.push({
      via: 'webhook',
      channel: this.webhookChannel,
      ts: this.nextTs(),
      text: body.text,
      blocks: body.blocks,
      updates: 0,
    });
    return text(200, 'ok');
  }

  private webApi(request: FakeRequest): FakeResponse {
    const limit = this.takeRateLimit('api');
    if (limit) {
      return {
        status: 429,
        headers: { 'retry-after': String(limit.retryAfterSeconds) },
        body: { ok: false, error: 'ratelimited' },
      };
    }
    const method = request.params.method as string;
    if (method !== 'chat.postMessage' && method !== 'chat.update') return slackError('unknown_method');
    const args = webApiArguments(request);
    if (args === undefined) return slackError('invalid_arguments');
    const authorization = String(request.headers.authorization ?? '');
    const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : args.token;
    if (!token) return slackError('not_authed');
    if (!this.tokens.has(String(token))) return slackError('invalid_auth');

    const channel = this.resolveChannel(args.channel);
    if (typeof channel === 'object') return channel;
    let blocks: unknown = args.blocks;
    if (typeof blocks === 'string') {
      try {
        blocks = JSON.parse(blocks);
      } catch {
        return slackError('invalid_blocks_format');
      }
    }
    const problem = validateMessage(args.text, blocks);
    if (problem) return slackError(problem);

    if (method === 'chat.update') {
      const message = this.messages.find((candidate) => candidate.channel === channel && candidate.ts === args.ts);
      if (!message) return slackError('message_not_found');
      if (message.via === 'webhook') return slackError('cant_update_message');
      message.text = args.text;
      message.blocks = blocks as unknown[] | undefined;
      message.updates++;
      return {
        body: { ok: true, channel, ts: message.ts, text: message.text, message: { text: message.text, blocks } },
      };
    }
    const message: SlackMessage = {
      via: 'api',
      channel,
      ts: this.nextTs(),
      text: args.text,
      blocks: blocks as unknown[] | undefined,
      thread_ts: args.thread_ts,
      updates: 0,
    };
    this.messages.push(message);
    return {
      body: {
        ok: true,
        channel,
        ts: message.ts,
        message: { type: 'message', text: message.text, blocks, ts: message.ts, bot_id: 'B0FAKEBOT' },
      },
    };
  }

  /** A channel id, or a `#name` / `name` of a joined channel; else Slack's error. */
  private resolveChannel(channel: string | undefined): string | FakeResponse {
    if (!channel) return slackError('channel_not_found');
    if (this.channels.has(channel)) return channel;
    if (this.foreignChannels.has(channel)) return slackError('not_in_channel');
    const name = channel.replace(/^#/, '');
    for (const [id, candidate] of this.channels) if (candidate === name) return id;
    return slackError('channel_not_found');
  }
}

/** The Web API takes form-encoded or JSON bodies. */
function webApiArguments(request: FakeRequest): Record<string, string | undefined> | undefined {
  const type = String(request.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    if (typeof request.body !== 'object' || request.body === null) return undefined;
    return Object.fromEntries(
      Object.entries(request.body as Record<string, unknown>).map(([key, value]) => [
        key,
        typeof value === 'string' || value === undefined ? value : JSON.stringify(value),
      ]),
    );
  }
  return Object.fromEntries(new URLSearchParams(request.text));
}

/** Slack's error code for a message it would refuse, or undefined when it would post it. */
export function validateMessage(messageText: unknown, blocks: unknown): string | undefined {
  const hasText = typeof messageText === 'string' && messageText.trim() !== '';
  if (blocks === undefined || blocks === null) return hasText ? undefined : 'no_text';
  if (!Array.isArray(blocks)) return 'invalid_blocks_format';
  if (blocks.length === 0 && !hasText) return 'no_text';
  if (blocks.length > SLACK_LIMITS.blocks) return 'invalid_blocks';
  let total = 0;
  for (const block of blocks) {
    if (typeof block !== 'object' || block === null) return 'invalid_blocks';
    const {
      type,
      text: blockText,
      fields,
    } = block as { type?: unknown; text?: { type?: unknown; text?: unknown }; fields?: unknown };
    if (typeof type !== 'string' || !BLOCK_TYPES.has(type)) return 'invalid_blocks';
    if (type === 'header') {
      if (blockText?.type !== 'plain_text' || typeof blockText.text !== 'string') return 'invalid_blocks';
      if (blockText.text.length > SLACK_LIMITS.headerText || blockText.text === '') return 'invalid_blocks';
      total += blockText.text.length;
    }
    if (type === 'section') {
      if (blockText !== undefined) {
        if (typeof blockText.text !== 'string' || (blockText.type !== 'mrkdwn' && blockText.type !== 'plain_text')) {
          return 'invalid_blocks';
        }
        if (blockText.text.length > SLACK_LIMITS.sectionText || blockText.text === '') return 'invalid_blocks';
        total += blockText.text.length;
      } else if (!Array.isArray(fields)) return 'invalid_blocks';
      if (Array.isArray(fields)) {
        if (fields.length > SLACK_LIMITS.fields) return 'invalid_blocks';
        for (const field of fields as { text?: unknown }[]) {
          if (typeof field?.text !== 'string' || field.text.length > SLACK_LIMITS.fieldText) return 'invalid_blocks';
          total += field.text.length;
        }
      }
    }
    if (type === 'context') {
      const elements = (block as { elements?: unknown }).elements;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) return 'invalid_blocks';
      for (const element of elements as { text?: unknown }[]) {
        if (typeof element?.text === 'string') total += element.text.length;
      }
    }
  }
  return total > SLACK_LIMITS.totalBlockText ? 'msg_blocks_too_long' : undefined;
}

function text(status: number, body: string, headers: Record<string, string> = {}): FakeResponse {
  return { status, raw: body, headers: { 'content-type': 'text/html', ...headers } };
}

function slackError(error: string): FakeResponse {
  return { body: { ok: false, error } };
}
