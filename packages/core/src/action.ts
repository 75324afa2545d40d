/**
 * The one try/catch every action's `main.ts` goes through. User errors become a single
 * `::error::` sentence; anything else is a bug, reported the same way plus its stack in the
 * debug log. Never calls `process.exit`: the runner reads `process.exitCode`.
 */
import { isUserError, messageOf } from './errors.js';
import { createRunner, type Runner } from './runner.js';

export interface ActionPhases {
  main(runner: Runner): Promise<void>;
  /** The `post:` phase, run by the runner after the job's steps, even on failure or cancellation. */
  post?(runner: Runner): Promise<void>;
}

const POST_MARKER = 'isPost';

/** Run an action's main or post phase, choosing by the state the main phase saved. */
export async function runAction(phases: ActionPhases, runner: Runner = createRunner()): Promise<void> {
  const isPost = runner.state(POST_MARKER) === 'true';
  if (!isPost) runner.saveState(POST_MARKER, 'true');
  const phase = isPost ? phases.post : phases.main;
  if (!phase) return;
  try {
    await phase(runner);
  } catch (error) {
    reportFailure(runner, error);
  }
}

export function reportFailure(runner: Runner, error: unknown): void {
  if (isUserError(error)) {
    runner.fail(messageOf(error));
    return;
  }
  runner.fail(`Unexpected error (a bug in dynamo-ci-actions, please report it): ${messageOf(error)}`);
  if (error instanceof Error && error.stack) runner.debug(error.stack);
}
