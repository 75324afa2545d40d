/**
 * The trust invariants: where untrusted code may run, where secrets and write tokens may be.
 */
import { at, callee, FIRST_PARTY, type Job, jobs, steps, triggers, type Workflow } from './workflows.js';

// --- pull_request_target ------------------------------------------------------------------------

const PR_CODE = /pull_request\.head|github\.head_ref|refs\/pull\/|merge_commit_sha|gh pr checkout|pull\/\$\{\{/;

/** Jobs that can run under pull_request_target never check out or fetch the PR's code. */
export function checkPullRequestTarget(workflow: Workflow, all: Workflow[]): string[] {
  if (!('pull_request_target' in triggers(workflow))) return [];
  return checkNoPrCode(workflow, all);
}

function checkNoPrCode(workflow: Workflow, all: Workflow[]): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow)) {
    if (typeof job.uses === 'string') {
      const called = callee(job.uses, all);
      if (called) problems.push(...checkNoPrCode(called, all));
      else problems.push(`${at(workflow, id)}: calls ${job.uses} under pull_request_target, which cannot be checked`);
      continue;
    }
    for (const step of steps(job)) {
      const uses = String(step.uses ?? '');
      if (/^actions\/checkout@/.test(uses)) {
        const target = `${step.with?.ref ?? ''} ${step.with?.repository ?? ''}`;
        if (PR_CODE.test(target))
          problems.push(`${at(workflow, id)}: checks out the PR's code under pull_request_target`);
      }
      if (typeof step.run === 'string' && PR_CODE.test(step.run)) {
        problems.push(`${at(workflow, id)}: fetches the PR's code in a run step under pull_request_target`);
      }
    }
  }
  return problems;
}

// --- Secrets ------------------------------------------------------------------------------------

/** Events whose runs only ever see vetted code: copy-pr branches, main, release, schedule, manual. */
export function trustedEvent(event: string, config: any): boolean {
  if (['schedule', 'workflow_dispatch', 'release'].includes(event)) return true;
  if (event !== 'push') return false;
  const branches: string[] | undefined = config?.branches;
  if (config?.['branches-ignore']) return false;
  if (!branches) return Boolean(config?.tags);
  return branches.every(
    (filter) => /^(main|master|pull-request\/.+|release\/.+|releases\/.+)$/.test(filter) && !/^\*/.test(filter),
  );
}

function referencesSecrets(job: Job): boolean {
  if (job.secrets === 'inherit') return true;
  const text = JSON.stringify(job);
  return /secrets\.(?!GITHUB_TOKEN\b)[A-Za-z_-]/i.test(text) || /secrets\[/.test(text);
}

/**
 * A job that cannot run PR code: no run steps, no checkout, only our own actions (the copy-pr
 * gate under pull_request_target holds a token this way). Calls qualify when every callee job does.
 */
function runsNoCode(job: Job, all: Workflow[]): boolean {
  if (typeof job.uses === 'string') {
    const called = callee(job.uses, all);
    return called !== undefined && jobs(called).every(([, inner]) => runsNoCode(inner, all));
  }
  return steps(job).every((step) => step.run === undefined && String(step.uses ?? '').startsWith(FIRST_PARTY));
}

/** Events a workflow's jobs run on: its own triggers, or for a reusable workflow its callers'. */
export function effectiveEvents(
  workflow: Workflow,
  all: Workflow[],
  seen = new Set<string>(),
): [string, any, string][] {
  const own = Object.entries(triggers(workflow)).filter(([event]) => event !== 'workflow_call');
  const result: [string, any, string][] = own.map(([event, config]) => [event, config, workflow.path]);
  if (!('workflow_call' in triggers(workflow)) || seen.has(workflow.path)) return result;
  seen.add(workflow.path);
  for (const caller of all) {
    for (const [, job] of jobs(caller)) {
      if (typeof job.uses === 'string' && callee(job.uses, all)?.path === workflow.path) {
        result.push(...effectiveEvents(caller, all, seen));
      }
    }
  }
  return result;
}

/**
 * Secrets are referenced only in jobs whose runs come from pull-request/<N>, main, release,
 * schedule (or a manual dispatch, which needs write access). A reusable workflow is judged by its
 * callers; one with no caller in the repository cannot be judged and fails.
 */
export function checkSecrets(workflow: Workflow, all: Workflow[]): string[] {
  const problems: string[] = [];
  const events = effectiveEvents(workflow, all);
  for (const [id, job] of jobs(workflow)) {
    if (!referencesSecrets(job)) continue;
    if (events.length === 0) {
      problems.push(`${at(workflow, id)}: uses secrets, but no workflow here calls it, so its triggers are unknown`);
      continue;
    }
    for (const [event, config, source] of events) {
      if (trustedEvent(event, config)) continue;
      if (runsNoCode(job, all)) continue;
      problems.push(
        `${at(workflow, id)}: uses secrets but runs on '${event}' (via ${source}), which runs unvetted code`,
      );
    }
  }
  return [...new Set(problems)];
}

// --- Write tokens -------------------------------------------------------------------------------

/**
 * Commands that run code from the repository or from a registry: package managers, language
 * runtimes, build tools and image builders (a Dockerfile's RUN is the repository's code too).
 */
const PROJECT_CODE_RUNNERS = new Set([
  'npm',
  'npx',
  'pnpm',
  'pnpx',
  'yarn',
  'corepack',
  'node',
  'bun',
  'bunx',
  'deno',
  'tsx',
  'ts-node',
  'pip',
  'pip3',
  'pipx',
  'python',
  'python3',
  'poetry',
  'uv',
  'uvx',
  'pytest',
  'pre-commit',
  'cargo',
  'rustc',
  'go',
  'make',
  'cmake',
  'ninja',
  'gradle',
  'gradlew',
  'mvn',
  'bundle',
  'gem',
  'rake',
  'composer',
  'dotnet',
  'docker',
  'buildah',
  'podman',
]);

/** Words that run the command after them (`sudo npm ...`), and keywords a command follows. */
const COMMAND_PREFIXES = new Set([
  'sudo',
  'env',
  'exec',
  'time',
  'nohup',
  'command',
  'xargs',
  'nice',
  'timeout',
  'if',
  'then',
  'else',
  'elif',
  'while',
  'until',
  'do',
  '!',
  '{',
]);

/** Shells whose next argument, when it is not an option, is a script file they run. */
const SCRIPT_RUNNERS = new Set(['bash', 'sh', 'zsh', 'source', '.']);

/**
 * The words in command position of a `run:` script (roughly as a shell splits it: at newlines,
 * `;`, `&&`, `||`, `|`, `&`, `(`, `)` and `$(`), past assignments and prefixes like `sudo`.
 * Quotes are not parsed: a separator inside a string only adds words, so this errs on the side of
 * finding too much.
 */
export function commandWords(script: string): string[] {
  const words: string[] = [];
  const text = script.replace(/\\\n/g, ' ');
  for (const line of text.split('\n')) {
    // Whole-line comments only: a `#` inside a line may be in a string.
    if (line.trimStart().startsWith('#')) continue;
    for (const segment of line.split(/&&|\|\||\$\(|[;|&()`]/)) {
      const tokens = segment
        .trim()
        .split(/\s+/)
        .map((token) => token.replace(/^["']|["']$/g, ''))
        .filter(Boolean);
      let index = 0;
      const skipPrefixes = () => {
        while (index < tokens.length) {
          const token = tokens[index] as string;
          if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(token) || COMMAND_PREFIXES.has(token)) index++;
          else if (index > 0 && COMMAND_PREFIXES.has(tokens[index - 1] as string) && token.startsWith('-')) index++;
          else break;
        }
      };
      skipPrefixes();
      const word = tokens[index];
      if (word === undefined) continue;
      words.push(word);
      if (SCRIPT_RUNNERS.has(word)) {
        const script = tokens.slice(index + 1).find((token) => !token.startsWith('-'));
        if (script !== undefined) words.push(script);
      }
    }
  }
  return words;
}

function grantsWrite(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  if (typeof permissions !== 'object' || permissions === null) return false;
  return Object.values(permissions).some((level) => level === 'write');
}

/** A word that names a file of the checkout: a relative path (`.ci/run`, `./x.sh`, `scripts/y.mjs`). */
function isRepositoryPath(word: string): boolean {
  return word.includes('/') && !/^[/$~]/.test(word);
}

/**
 * A job whose token can write (any `write` permission, or `write-all`) runs no package manager, no
 * language runtime, no build tool and no script or action from the repository: a compromised
 * dependency or a changed script would hold the token (how tj-actions/changed-files was turned
 * against its users). Build and test in a read-only job and hand the result over as an artifact.
 */
export function checkWriteJobs(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow)) {
    if (!grantsWrite(job.permissions ?? workflow.doc.permissions)) continue;
    for (const [index, step] of steps(job).entries()) {
      const where = `${at(workflow, id)} step ${step.name ? `'${step.name}'` : index + 1}`;
      if (typeof step.uses === 'string' && step.uses.startsWith('./')) {
        problems.push(`${where}: holds a write token and runs the repository's action ${step.uses}`);
      }
      if (typeof step.run !== 'string') continue;
      const shell = String(step.shell ?? job.defaults?.run?.shell ?? 'bash').split(/\s+/)[0] as string;
      if (!['bash', 'sh'].includes(shell)) {
        problems.push(`${where}: holds a write token and runs its script with ${shell}`);
      }
      for (const word of commandWords(step.run)) {
        const name = word.split('/').pop() as string;
        if (PROJECT_CODE_RUNNERS.has(name)) {
          problems.push(`${where}: holds a write token and runs ${word}, which runs project or registry code`);
        } else if (isRepositoryPath(word)) {
          problems.push(`${where}: holds a write token and runs the repository's ${word}`);
        }
      }
    }
  }
  return problems;
}
