/**
 * Workflow files read with GitHub's @actions/workflow-parser: parsed and validated against the
 * workflow schema, then converted (events, the job graph, `if:` with its implicit `success()`,
 * step ids, reusable-workflow input/secret/output definitions). The converted model leaves out a
 * few keys the runner needs (`with:`, `timeout-minutes`, `continue-on-error`, `shell`,
 * `working-directory`, `defaults`); those are read from the parsed template tokens of the same job.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  convertWorkflowTemplate,
  isMapping,
  isSequence,
  NoOperationTraceWriter,
  parseWorkflow,
} from '@actions/workflow-parser';
import type { WorkflowTemplate } from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference';

/** A repository the engine can read: its name on GitHub and its working tree here. */
export interface Repository {
  /** `owner/name`. */
  name: string;
  /** The working tree (holds `.github/workflows`). */
  root: string;
  /** Where its actions live when not at the root (this repository keeps them under `actions/`). */
  actions?: string;
}

export interface Workflow {
  /** The file, absolute. */
  path: string;
  /** The file name (`backend.yml`). */
  file: string;
  /** `name:`, or the path as GitHub shows a workflow without one. */
  name: string;
  /** The repository the file belongs to (relative `uses:` resolve against it). */
  repository: Repository;
  template: WorkflowTemplate;
  /** The parsed document, for the keys the converted model leaves out. */
  raw: MappingToken;
}

/** A workflow file that does not parse or validate: every message, with the file. */
export class WorkflowError extends Error {}

/**
 * The file a reusable-workflow `uses:` names: `./.github/workflows/x.yml` in the calling
 * workflow's repository, `owner/repo/.github/workflows/x.yml@ref` in a known repository (its
 * working tree stands for every ref).
 */
export function resolveWorkflowFile(
  uses: string,
  from: Repository,
  repositories: readonly Repository[],
): { path: string; repository: Repository } {
  if (uses.startsWith('./')) return { path: join(from.root, uses.slice(2)), repository: from };
  const match = /^([^/]+\/[^/]+)\/(\.github\/workflows\/[^@]+)@.+$/.exec(uses);
  const repository = match && repositories.find((candidate) => candidate.name === match[1]);
  if (!match || !repository) {
    const known = repositories.map((candidate) => candidate.name).join(', ');
    throw new WorkflowError(`${uses}: not a workflow of a repository known here (${known})`);
  }
  return { path: join(repository.root, match[2] as string), repository };
}

function referenceText(reference: FileReference): string {
  return 'repository' in reference
    ? `${reference.owner}/${reference.repository}/${reference.path}@${reference.version}`
    : `./${reference.path}`;
}

/** Read, validate and convert one workflow file; reusable calls get their callee's definitions. */
export async function loadWorkflow(
  path: string,
  repository: Repository,
  repositories: readonly Repository[],
): Promise<Workflow> {
  const content = readFileSync(path, 'utf8');
  const parsed = parseWorkflow({ name: basename(path), content }, new NoOperationTraceWriter());
  const problems = parsed.context.errors.getErrors().map((error) => error.message);
  if (problems.length > 0 || !parsed.value || !isMapping(parsed.value)) {
    throw new WorkflowError(`${path} is not a valid workflow:\n${problems.join('\n')}`);
  }
  const provider = {
    async getFileContent(reference: FileReference) {
      const file = resolveWorkflowFile(referenceText(reference), repository, repositories).path;
      return { name: basename(file), content: readFileSync(file, 'utf8') };
    },
  };
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, provider, {
    fetchReusableWorkflowDepth: 1,
  });
  if (template.errors?.length) {
    // The converter's errors are the context's validation errors (`message`), typed as `{Message}`.
    const messages = template.errors.map((error) => {
      const entry = error as { Message?: string; message?: string };
      return entry.message ?? entry.Message ?? String(error);
    });
    throw new WorkflowError(`${path} is not a valid workflow:\n${messages.join('\n')}`);
  }
  const name = parsed.value.find('name');
  return {
    path,
    file: basename(path),
    name: name?.isLiteral ? name.toString() : relativeWorkflowPath(path),
    repository,
    template,
    raw: parsed.value,
  };
}

function relativeWorkflowPath(path: string): string {
  const index = path.lastIndexOf('.github/workflows/');
  return index === -1 ? basename(path) : path.slice(index);
}

/** A key of a parsed mapping (undefined when absent or not a mapping). */
export function child(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  return token && isMapping(token) ? token.find(key) : undefined;
}

/** The parsed mapping of job `id`. */
export function rawJob(workflow: Workflow, id: string): MappingToken | undefined {
  const job = child(child(workflow.raw, 'jobs'), id);
  return job && isMapping(job) ? job : undefined;
}

/** The parsed mapping of a job's `index`th step. */
export function rawStep(job: MappingToken | undefined, index: number): MappingToken | undefined {
  const steps = child(job, 'steps');
  if (!steps || !isSequence(steps) || index >= steps.count) return undefined;
  const step = steps.get(index);
  return isMapping(step) ? step : undefined;
}
