/**
 * Pure: what pytest's and docker's exit codes, and the helper's record of where pytest ran, mean,
 * as sentences that say what to change. None of these is a test failure.
 */
import { type SpawnResult, tail } from '@dynamo-ci/core';
import type { Inputs } from './inputs.js';
import type { LiveSession } from './results.js';

/** Turn pytest's and docker's own exit codes into problems (sentences for the summary and the error). */
export function diagnose(label: string, result: SpawnResult, inputs: Inputs, problems: string[]): void {
  const output = tail(`${result.stdout}\n${result.stderr}`.trim(), 15);
  if (result.timedOut) return;
  if (inputs.engine === 'docker' && result.exitCode === 125) {
    problems.push(
      `docker could not start the container for ${label} (exit 125); check image and docker-options:\n${output}`,
    );
  } else if (result.exitCode === 126 || result.exitCode === 127) {
    problems.push(
      `${inputs.python} could not be run inside the image for ${label} (exit ${result.exitCode}); set the python input:\n${output}`,
    );
  } else if (result.exitCode === 3) {
    problems.push(`pytest hit an internal error in ${label} (exit 3):\n${output}`);
  } else if (result.exitCode === 4) {
    problems.push(
      `pytest rejected its command line in ${label} (exit 4: usage error; check markers and pytest-args):\n${output}`,
    );
  }
}

/**
 * The refusal for `docker run --gpus` on an engine that cannot hand GPUs to containers (no NVIDIA
 * Container Toolkit: the daemon answers `could not select device driver "" with capabilities: [[gpu]]`),
 * or undefined when the failure is something else.
 */
export function gpuEngineRefusal(
  result: SpawnResult,
  gpus: Inputs['gpus'],
  visible: { count: number; names: string[] },
): string | undefined {
  if (result.exitCode !== 125) return undefined;
  const answer = `${result.stderr}\n${result.stdout}`
    .split('\n')
    .find((line) =>
      /could not select device driver|nvidia-container-cli|unknown or invalid runtime name: nvidia/i.test(line),
    );
  if (answer === undefined) return undefined;
  const model = visible.names[0] ? ` (${visible.names[0]})` : '';
  // docker 20.10 ends the daemon's answer with a period, later clients do not.
  const said = answer
    .replace(/^docker: /, '')
    .trim()
    .replace(/\.$/, '');
  return `gpus: ${gpus} needs GPUs inside the container, and this runner has ${visible.count} GPU(s)${model}, but its Docker engine cannot give them to containers: docker run --gpus all answered "${said}". Install the NVIDIA Container Toolkit on the runner (nvidia-ctk runtime configure --runtime=docker, then restart dockerd), or run the job on a runner whose Docker engine has it.`;
}

/**
 * Why a run collected nothing when pytest found no configuration where it ran, or could not even walk
 * the directory it started from: the tests are not at its working directory (an image without WORKDIR
 * starts pytest in `/`, which walks the whole filesystem). Undefined when the run collected tests, or
 * found its suite (a test module that fails to import is an error testcase in the JUnit instead).
 */
export function noTestsProblem(
  session: LiveSession | undefined,
  collectErrors: readonly { nodeid: string; message: string }[],
  context: { engine: Inputs['engine']; image?: string; workdir?: string; collected: number },
): string | undefined {
  if (context.collected > 0 || session === undefined) return undefined;
  const noConfig = session.inifile === null;
  if (!noConfig && !collectErrors.some((error) => error.nodeid === '')) return undefined;
  const where =
    context.engine === 'docker'
      ? `inside the image ${context.image ?? ''}${context.workdir === undefined ? ' (its WORKDIR; an image without one starts in /)' : ''}`
      : 'on the runner';
  const found = noConfig
    ? `found no pytest configuration there (rootdir ${session.rootdir})`
    : `used ${session.inifile}`;
  const [first] = collectErrors;
  const failed = first
    ? `, and collection failed${collectErrors.length > 1 ? ` ${collectErrors.length} times` : ''}: ${first.nodeid === '' ? '' : `${first.nodeid}: `}${first.message || 'no message'}`
    : '';
  const fix =
    context.engine === 'docker'
      ? 'Set workdir to the folder that holds the tests in the image, or mount the checkout with mounts (for example .:/workspace) and set workdir to that path.'
      : 'Set workdir to the folder that holds the tests (the checkout path), or list them in paths.';
  return `pytest collected no tests: it ran in ${session.cwd} ${where}, ${found}${failed}. The tests are not at pytest's working directory. ${fix}`;
}
