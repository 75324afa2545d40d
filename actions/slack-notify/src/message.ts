/**
 * The default Slack message, built from a gate report, and the limit fitter every payload goes
 * through. Pure. Slack refuses a message with more than 50 blocks, a section text over 3000
 * characters or a header over 150 (HTTP 400 `invalid_blocks`), and one whose blocks hold more
 * than about 13k characters in all (`msg_blocks_too_long`, slackapi/bolt-js#2509): long lists are
 * cut with "and N more" here so the message always goes out.
 */
import type { GateReport, PipelineSummary, ReportJob } from '@dynamo-ci/core';

export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  /** Below the observed `msg_blocks_too_long` threshold, with room for the frame around the list. */
  totalText: 11_000,
  /** Slack truncates the top-level text after 40k; notifications show far less. */
  fallbackText: 3000,
} as const;

export type Block = Record<string, unknown> & { type: string };

export interface SlackPayload {
  text?: string;
  blocks?: Block[];
  [key: string]: unknown;
}

export interface RunInfo {
  serverUrl: string;
  repository: string;
  runId?: number;
  runAttempt?: number;
  runUrl?: string;
  workflow?: string;
  ref?: string;
  sha?: string;
  actor?: string;
  /** The head commit's author, when the event carries it. */
  author?: string;
  /** The head commit's first line. */
  commitTitle?: string;
}

/** Slack's mrkdwn control characters: `&`, `<` and `>` must be sent as entities. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link whose label cannot break out of `<url|label>`. */
export function link(url: string | undefined, label: string): string {
  const text = escapeSlack(label.replace(/\s*[\r\n]+\s*/g, ' ')).replace(/\|/g, '¦');
  return url ? `<${escapeSlack(url)}|${text}>` : text;
}

export interface MessageOptions {
  title?: string;
  /** Already in Slack syntax (`<!subteam^S…>`, `<@U…>`). Only used when the result is not success. */
  mentions: readonly string[];
  /** pipeline-report's summary: the message links the report and names the new failures first. */
  pipeline?: PipelineSummary;
}

export function buildMessage(report: GateReport, run: RunInfo, options: MessageOptions): SlackPayload {
  const failed = report.jobs.filter((job) => job.verdict === 'fail');
  const success = report.result === 'success';
  const pipeline = run.workflow ?? 'CI';
  const title = options.title ?? `${pipeline} ${success ? 'passed' : 'failed'}`;
  const headerText = truncate(`${success ? '✅' : '❌'} ${title}`, LIMITS.headerText);

  const runLabel =
    run.runId !== undefined
      ? `run ${run.runId}${run.runAttempt && run.runAttempt > 1 ? ` (attempt ${run.runAttempt})` : ''}`
      : 'the run';
  const facts: string[] = [`*${link(run.runUrl, `${pipeline}: ${runLabel}`)}*`];
  if (run.ref) facts.push(`\`${escapeSlack(run.ref.replace(/^refs\/heads\//, ''))}\``);
  if (run.sha) {
    const commitUrl = `${run.serverUrl}/${run.repository}/commit/${run.sha}`;
    const who = run.author ?? run.actor;
    facts.push(`${link(commitUrl, run.sha.slice(0, 7))}${who ? ` by ${escapeSlack(who)}` : ''}`);
  } else if (run.actor) facts.push(`by ${escapeSlack(run.actor)}`);
  let intro = facts.join(' · ');
  if (run.commitTitle) intro += `\n>${escapeSlack(truncate(run.commitTitle, 200))}`;
  if (!success && options.mentions.length > 0) intro += `\n${options.mentions.join(' ')} please take a look.`;

  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: headerText, emoji: true } },
    section(truncate(intro, LIMITS.sectionText)),
  ];
  const counts = countResults(report.jobs);
  const tests = options.pipeline ? pipelineSection(options.pipeline) : undefined;
  if (tests) blocks.push(section(tests));
  const listBlocks = failedJobBlocks(failed, run.runUrl, tests === undefined ? 0 : 1, tests?.length ?? 0);
  blocks.push(...listBlocks);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: counts }] });

  const mentionText = !success && options.mentions.length > 0 ? `${options.mentions.join(' ')} ` : '';
  // Mentions stay raw (they are Slack syntax); everything else is text and gets escaped.
  const names = failed.slice(0, 5).map((job) => job.name);
  const more = failed.length > 5 ? `, and ${failed.length - 5} more` : '';
  const newFailures = options.pipeline?.newFailureCount ?? 0;
  const newTests = newFailures > 0 ? `, ${newFailures} new test failure${newFailures === 1 ? '' : 's'}` : '';
  const fallback = success
    ? escapeSlack(`${title}: ${counts}`)
    : `${mentionText}${escapeSlack(`${title}: ${failed.length} job(s) failed (${names.join(', ')}${more})${newTests}${run.runUrl ? ` ${run.runUrl}` : ''}`)}`;
  return { text: truncate(fallback, LIMITS.fallbackText), blocks };
}

/** Characters the pipeline section may use, of the message's whole text budget. */
const PIPELINE_TEXT = 2000;

/**
 * The report's line linked to the report, then the failing tests, new ones first (pipeline-report
 * sorts them so), each with its leg, its message's first line and its job.
 */
function pipelineSection(pipeline: PipelineSummary): string {
  const lines = [`*${link(pipeline.url, 'Pipeline report')}*: ${escapeSlack(pipeline.line)}`];
  let used = lines[0]?.length ?? 0;
  let shown = 0;
  for (const failure of pipeline.failures) {
    const mark = failure.status === 'new' ? ':new:' : failure.status === 'known' ? ':repeat:' : ':x:';
    const since = failure.status === 'known' && failure.since !== undefined ? ` (failing since #${failure.since})` : '';
    const message = failure.message ? ` — ${escapeSlack(truncate(failure.message, 150))}` : '';
    const line = `${mark} ${link(failure.url, truncate(`${failure.leg}: ${failure.test}`, 200))}${since}${message}`;
    if (used + line.length + 1 > PIPELINE_TEXT - 80) break;
    lines.push(line);
    used += line.length + 1;
    shown++;
  }
  const hidden = pipeline.failureCount - shown;
  if (hidden > 0)
    lines.push(`…and ${hidden} more failing test${hidden === 1 ? '' : 's'}: see ${link(pipeline.url, 'the report')}.`);
  return lines.join('\n');
}

/**
 * Failed jobs grouped by their workflow path: `vllm / matrix (12.9) / Build cuda12.9` lists
 * `Build cuda12.9` under `vllm / matrix (12.9)`. Sections are filled up to 3000 characters;
 * what does not fit in the block and character budgets becomes "and N more".
 */
function failedJobBlocks(
  failed: readonly ReportJob[],
  runUrl: string | undefined,
  reservedBlocks = 0,
  reservedText = 0,
): Block[] {
  if (failed.length === 0) return [];
  const groups = new Map<string, ReportJob[]>();
  for (const job of failed) {
    const segments = job.name.split(' / ');
    const group = segments.length > 1 ? segments.slice(0, -1).join(' / ') : '';
    groups.set(group, [...(groups.get(group) ?? []), job]);
  }
  const lines: { text: string; job: boolean }[] = [];
  for (const [group, jobs] of groups) {
    if (group !== '') lines.push({ text: `*${escapeSlack(group)}*`, job: false });
    for (const job of jobs) {
      const leaf = job.name.split(' / ').at(-1) ?? job.name;
      lines.push({ text: `:x: ${link(job.url, leaf)} (${escapeSlack(describe(job))})`, job: true });
    }
  }

  // Budget: header + intro + context + the "more" line (and the pipeline section) leave the rest.
  const maxBlocks = LIMITS.blocks - 4 - reservedBlocks;
  const blocks: Block[] = [];
  let current = '';
  let used = 0;
  let shown = 0;
  for (const line of lines) {
    const text = truncate(line.text, LIMITS.sectionText - 100);
    if (used + text.length + 1 > LIMITS.totalText - reservedText) break;
    if (current !== '' && current.length + 1 + text.length > LIMITS.sectionText) {
      if (blocks.length + 2 > maxBlocks) break;
      blocks.push(section(current));
      current = '';
    }
    current = current === '' ? text : `${current}\n${text}`;
    used += text.length + 1;
    if (line.job) shown++;
  }
  if (current !== '') blocks.push(section(current));
  const hidden = failed.length - shown;
  if (hidden > 0) {
    blocks.push(section(`…and ${hidden} more failed job${hidden === 1 ? '' : 's'}: see ${link(runUrl, 'the run')}.`));
  }
  return blocks;
}

function describe(job: ReportJob): string {
  if (job.skip === 'dependency' && job.cause) return `skipped: ${job.cause} did not succeed`;
  if (job.result === 'in_progress') return 'still running';
  return job.result.replace(/_/g, ' ');
}

function countResults(jobs: readonly ReportJob[]): string {
  const failed = jobs.filter((job) => job.verdict === 'fail').length;
  const passed = jobs.filter((job) => job.verdict === 'pass' && job.result !== 'skipped').length;
  const skipped = jobs.filter((job) => job.verdict === 'pass' && job.result === 'skipped').length;
  return `${failed} failed · ${passed} passed · ${skipped} skipped`;
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Cut to `max` characters (code points never split), ending with `…`. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Make any payload (a custom one too) fit Slack's limits instead of bouncing: at most 50 blocks
 * (the last says how many were cut), section text at 3000, header text at 150, at most 10 fields.
 * Returns the fitted payload and a note per cut.
 */
export function fitToLimits(payload: SlackPayload): { payload: SlackPayload; cuts: string[] } {
  const cuts: string[] = [];
  if (!Array.isArray(payload.blocks)) return { payload, cuts };
  let blocks = payload.blocks.map((block) => {
    if (block?.type === 'header') {
      const text = block.text as { text?: unknown } | undefined;
      if (typeof text?.text === 'string' && [...text.text].length > LIMITS.headerText) {
        cuts.push(`a header of ${[...text.text].length} characters was cut to ${LIMITS.headerText}`);
        return { ...block, text: { ...text, text: truncate(text.text, LIMITS.headerText) } };
      }
    }
    if (block?.type === 'section') {
      let fitted: Block = block;
      const text = block.text as { text?: unknown } | undefined;
      if (typeof text?.text === 'string' && text.text.length > LIMITS.sectionText) {
        cuts.push(`a section of ${text.text.length} characters was cut to ${LIMITS.sectionText}`);
        fitted = { ...fitted, text: { ...text, text: cutLines(text.text, LIMITS.sectionText) } };
      }
      if (Array.isArray(block.fields) && block.fields.length > 10) {
        cuts.push(`a section's ${block.fields.length} fields were cut to 10`);
        fitted = { ...fitted, fields: block.fields.slice(0, 10) };
      }
      return fitted;
    }
    return block;
  });
  if (blocks.length > LIMITS.blocks) {
    const hidden = blocks.length - (LIMITS.blocks - 1);
    cuts.push(`${blocks.length} blocks were cut to ${LIMITS.blocks}`);
    blocks = [
      ...blocks.slice(0, LIMITS.blocks - 1),
      section(`…and ${hidden} more blocks (Slack allows ${LIMITS.blocks}).`),
    ];
  }
  return { payload: { ...payload, blocks }, cuts };
}

/** Cut text to `max` characters at a line boundary, saying how many lines were left out. */
function cutLines(text: string, max: number): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  let length = 0;
  const reserve = 40;
  for (const line of lines) {
    if (length + line.length + 1 > max - reserve) break;
    kept.push(line);
    length += line.length + 1;
  }
  if (kept.length === 0) return truncate(text, max);
  const hidden = lines.length - kept.length;
  return `${kept.join('\n')}\n…and ${hidden} more line${hidden === 1 ? '' : 's'}`;
}
