import { createGitHubClient, readContext, runAction } from '@dynamo-ci/core';
import { mintInstallationToken } from './app-token.js';
import { classifyEvent } from './event.js';
import { type GateResult, ignoredResult, runGate } from './gate.js';
import { createGatePort } from './github.js';
import { parseInputs } from './inputs.js';
import { renderSummary } from './render.js';

/** Run the action (the bundle's entry point calls this, and so does `@github/local-action`). */
export async function run(): Promise<void> {
  await runAction({
    async main(runner) {
      for (const secret of [runner.input('token'), runner.input('app-private-key')]) if (secret) runner.mask(secret);
      const context = readContext();
      const inputs = parseInputs((name) => runner.input(name), context.repo.owner);
      const request = classifyEvent(context.eventName, context.payload, inputs.command);

      let result: GateResult;
      if (request.kind === 'ignore') {
        result = ignoredResult(inputs, request);
      } else {
        const minted = inputs.app
          ? await mintInstallationToken({
              apiUrl: context.apiUrl,
              repo: context.repo,
              credentials: inputs.app,
              permissions: {
                contents: 'write',
                pull_requests: 'write',
                ...(inputs.trustedTeams.length > 0 ? { members: 'read' as const } : {}),
              },
            })
          : undefined;
        if (minted) runner.mask(minted.token);
        try {
          const token = minted?.token ?? (inputs.token as string);
          const client = await createGitHubClient(token, { log: runner });
          result = await runGate(inputs, request, createGatePort(client, context.repo, { botLogin: minted?.botLogin }));
        } finally {
          const problem = await minted?.revoke();
          if (problem) runner.warning(`Could not revoke the GitHub App token (it expires within an hour): ${problem}`);
        }
      }

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
