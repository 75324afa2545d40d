import { createGitHubClient, readContext, runAction } from '@dynamo-ci/core';
import { classifyEvent } from './event.js';
import { ignoredResult, runGate } from './gate.js';
import { createGatePort } from './github.js';
import { parseInputs } from './inputs.js';
import { renderSummary } from './render.js';

export async function main(): Promise<void> {
  await runAction({
    async main(runner) {
      const token = runner.input('token');
      if (token) runner.mask(token);
      const context = readContext();
      const inputs = parseInputs((name) => runner.input(name), context.repo.owner);
      const request = classifyEvent(context.eventName, context.payload, inputs.command);

      const result =
        request.kind === 'ignore'
          ? ignoredResult(inputs, request)
          : await runGate(
              inputs,
              request,
              createGatePort(
                await createGitHubClient(inputs.token, { log: (line) => runner.info(line) }),
                context.repo,
              ),
            );

      runner.setOutput('action', result.action);
      runner.setOutput('branch', result.branch ?? '');
      runner.setOutput('sha', result.sha ?? '');
      runner.setOutput('reason', result.reason);
      for (const warning of result.warnings) runner.warning(warning);
      runner.info(`copy-pr: ${result.action}${result.branch ? ` ${result.branch}` : ''}: ${result.reason}`);
      await runner.appendSummary(renderSummary(result));
    },
  });
}
