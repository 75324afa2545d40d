/**
 * Custom Block Kit payloads with run fields: `{{ run.url }}` and friends are replaced inside the
 * parsed JSON's string values, so a value with quotes or newlines cannot break the payload (the
 * upstream YAML-templated payload broke on job names with `"`). Values are Slack-escaped.
 */
import { InputError } from '@dynamo-ci/core';
import { escapeSlack, type SlackPayload } from './message.js';

export type RunFields = Record<string, string>;

const PLACEHOLDER = /\{\{\s*run\.([a-z_]+)\s*\}\}/g;

/** Parse a custom payload: a message object, or a bare array of blocks. */
export function parsePayload(text: string, input: 'payload' | 'payload-file'): SlackPayload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      input,
      `Input '${input}' must be a JSON Slack message ({"text": …, "blocks": […]}) or a JSON array of blocks (${(error as Error).message})`,
    );
  }
  if (Array.isArray(value)) return { blocks: value };
  if (typeof value !== 'object' || value === null) {
    throw new InputError(input, `Input '${input}' must be a JSON object or an array of blocks, got ${typeof value}`);
  }
  const payload = value as SlackPayload;
  if (payload.blocks !== undefined && !Array.isArray(payload.blocks)) {
    throw new InputError(input, `Input '${input}' has a "blocks" value that is not an array`);
  }
  if (payload.text === undefined && payload.blocks === undefined && payload.attachments === undefined) {
    throw new InputError(
      input,
      `Input '${input}' has no "text", "blocks" or "attachments": Slack would refuse it (no_text)`,
    );
  }
  return payload;
}

/** The names a payload uses, so only what is needed gets collected. */
export function placeholdersIn(payload: SlackPayload): Set<string> {
  return new Set([...JSON.stringify(payload).matchAll(PLACEHOLDER)].map((match) => match[1] as string));
}

export function substitute(payload: SlackPayload, fields: RunFields, input: 'payload' | 'payload-file'): SlackPayload {
  const unknown = [...placeholdersIn(payload)].filter((name) => !(name in fields));
  if (unknown.length > 0) {
    throw new InputError(
      input,
      `Input '${input}' uses ${unknown.map((name) => `{{ run.${name} }}`).join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} not a run field. Known: ${Object.keys(
        fields,
      )
        .map((name) => `run.${name}`)
        .join(', ')}.`,
    );
  }
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string')
      return value.replace(PLACEHOLDER, (_, name: string) => escapeSlack(fields[name] ?? ''));
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, visit(inner)]));
    }
    return value;
  };
  return visit(payload) as SlackPayload;
}
