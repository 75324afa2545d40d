import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../src/index.js';

/** The fake's wire formats, checked with plain fetch (slack-notify's tests drive it with Slack's clients). */
describe('FakeSlack', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await FakeSlack.start();
  });
  afterAll(() => slack.close());

  const hook = (body: string, type = 'application/json', url = slack.webhookUrl) =>
    fetch(url, { method: 'POST', headers: { 'content-type': type }, body });

  it('answers an incoming webhook with text: ok, or a status and an error word', async () => {
    const ok = await hook(JSON.stringify({ text: 'hi' }));
    expect([ok.status, await ok.text()]).toEqual([200, 'ok']);
    const cases: [Promise<Response>, number, string][] = [
      [hook('{nope'), 400, 'invalid_payload'],
      [hook('text=hi', 'application/x-www-form-urlencoded'), 400, 'invalid_payload'],
      [hook(JSON.stringify({ blocks: [] })), 400, 'no_text'],
      [
        hook(
          JSON.stringify({
            text: 'x',
            blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
          }),
        ),
        400,
        'invalid_blocks',
      ],
      [hook(JSON.stringify({ text: 'x', blocks: Array(51).fill({ type: 'divider' }) })), 400, 'invalid_blocks'],
      [hook(JSON.stringify({ text: 'hi' }), 'application/json', `${slack.url}/services/T/B/old`), 404, 'no_service'],
    ];
    for (const [response, status, text] of cases) {
      const answer = await response;
      expect([answer.status, await answer.text()]).toEqual([status, text]);
    }
    expect(slack.messages.map((message) => message.text)).toEqual(['hi']);
  });

  it('speaks the Web API: 200 with ok:true and a ts, or ok:false and an error code', async () => {
    const call = async (method: string, args: Record<string, unknown>, token = 'xoxb-fake-bot-token') => {
      const response = await fetch(`${slack.apiUrl}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
        body: JSON.stringify(args),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    const posted = await call('chat.postMessage', { channel: '#ci-alerts', text: 'one' });
    expect(posted).toMatchObject({ ok: true, channel: 'C0CIALERTS', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(await call('chat.update', { channel: 'C0CIALERTS', ts: posted.ts, text: 'two' })).toMatchObject({
      ok: true,
      ts: posted.ts,
    });
    expect(await call('chat.update', { channel: 'C0CIALERTS', ts: '1.000001', text: 'x' })).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    expect(await call('chat.postMessage', { channel: 'C0NOTJOINED', text: 'x' })).toEqual({
      ok: false,
      error: 'not_in_channel',
    });
    expect(await call('chat.postMessage', { channel: 'C0CIALERTS', text: 'x' }, 'xoxb-bad')).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect(await call('chat.postMessage', { channel: 'C0CIALERTS' })).toEqual({ ok: false, error: 'no_text' });
    const huge = Array.from({ length: 6 }, () => ({
      type: 'section',
      text: { type: 'mrkdwn', text: 'x'.repeat(2500) },
    }));
    expect(await call('chat.postMessage', { channel: 'C0CIALERTS', text: 'x', blocks: huge })).toEqual({
      ok: false,
      error: 'msg_blocks_too_long',
    });
  });

  it('rate-limits with 429 and Retry-After in seconds', async () => {
    slack.rateLimit('api', 1, 7).rateLimit('webhook', 1, 3);
    const api = await fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST', body: 'channel=C0CIALERTS&text=x' });
    expect([api.status, api.headers.get('retry-after'), await api.json()]).toEqual([
      429,
      '7',
      { ok: false, error: 'ratelimited' },
    ]);
    const webhook = await hook('{"text":"x"}');
    expect([webhook.status, webhook.headers.get('retry-after'), await webhook.text()]).toEqual([
      429,
      '3',
      'rate_limited',
    ]);
  });
});
