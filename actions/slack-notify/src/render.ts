/** The job summary: what was (or would have been) sent, with the payload for review. Pure. */
import { codeBlock, details, escapeCell } from '@dynamo-ci/core';
import type { SlackPayload } from './message.js';

export interface SummaryFacts {
  outcome: 'sent' | 'updated' | 'dry-run' | 'skipped' | 'failed';
  destination: string;
  result: string;
  reason?: string;
  cuts: readonly string[];
  payload?: SlackPayload;
}

const HEADLINE: Record<SummaryFacts['outcome'], string> = {
  sent: '📣 Slack message sent',
  updated: '📣 Slack message updated',
  'dry-run': '🧪 Slack message not sent (dry run)',
  skipped: '🔕 No Slack message',
  failed: '⚠️ Slack message not sent',
};

export function renderSummary(facts: SummaryFacts): string {
  const lines = [`### ${HEADLINE[facts.outcome]}`, ''];
  lines.push(`Result: **${escapeCell(facts.result)}** · destination: ${escapeCell(facts.destination)}`);
  if (facts.reason) lines.push('', escapeCell(facts.reason));
  if (facts.cuts.length > 0) lines.push('', `Cut to fit Slack's limits: ${escapeCell(facts.cuts.join('; '))}.`);
  lines.push('');
  let markdown = lines.join('\n');
  if (facts.payload) markdown += `\n${details('Payload', codeBlock(JSON.stringify(facts.payload, null, 2), 'json'))}`;
  return markdown;
}
