import { readContext, runAction } from '@dynamo-ci/core';
import { parseInputs } from './inputs.js';
import { plan } from './plan.js';
import { renderSummary } from './render.js';

/** Run the action (the bundle's entry point calls this, and so does `@github/local-action`). */
export async function run(): Promise<void> {
  await runAction({
    async main(runner) {
      const context = readContext();
      const inputs = parseInputs((name) => runner.input(name), {
        eventName: context.eventName,
        refName: (context.ref ?? '').replace(/^refs\/heads\//, ''),
        defaultBranch: (context.payload as { repository?: { default_branch?: string } }).repository?.default_branch,
      });
      const deploy = inputs.deploy;
      const result = plan(inputs);
      for (const decision of result.decisions) {
        runner.info(`${decision.selected ? 'build' : 'skip '} ${decision.unit}: ${decision.reason}`);
      }
      runner.info(
        `deployments: ${deploy === 'none' ? 'none' : deploy === 'all' ? 'every tier' : 'the always tier'} (${result.deploys.length})`,
      );
      runner.setOutput('build-matrix', JSON.stringify({ include: result.builds }));
      runner.setOutput('frontend-matrix', JSON.stringify({ include: result.frontendBuilds }));
      runner.setOutput('test-matrix', JSON.stringify({ include: result.tests }));
      runner.setOutput('deploy-matrix', JSON.stringify({ include: result.deploys }));
      runner.setOutput('has-builds', result.builds.length > 0);
      runner.setOutput('has-frontend', result.frontendBuilds.length > 0);
      runner.setOutput('has-tests', result.tests.length > 0);
      runner.setOutput('has-deploys', result.deploys.length > 0);
      runner.setOutput('deploy-scope', deploy);
      runner.setOutput('images', JSON.stringify(result.images));
      runner.setOutput('units', JSON.stringify(result.decisions.filter((d) => d.selected).map((d) => d.unit)));
      runner.setOutput('decisions', JSON.stringify(result.decisions));
      await runner.appendSummary(renderSummary(result, inputs.changes));
    },
  });
}
