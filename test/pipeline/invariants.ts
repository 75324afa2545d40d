/** Every workflow invariant: the checkers of workflows.ts, trust.ts and stages.ts, and all of them at once. */
import { checkArtifacts, checkCleanup, checkServiceReferences, checkTestReports } from './stages.js';
import { checkPullRequestTarget, checkSecrets, checkWriteJobs } from './trust.js';
import {
  checkConcurrency,
  checkGates,
  checkPermissions,
  checkPinned,
  checkTimeouts,
  type Workflow,
} from './workflows.js';

export * from './stages.js';
export * from './trust.js';
export * from './workflows.js';

/** Every invariant over every workflow. */
export function checkAll(all: Workflow[]): Record<string, string[]> {
  return {
    gates: all.flatMap(checkGates),
    permissions: all.flatMap(checkPermissions),
    pinned: all.flatMap(checkPinned),
    timeouts: all.flatMap((workflow) => checkTimeouts(workflow, all)),
    concurrency: all.flatMap((workflow) => checkConcurrency(workflow, all)),
    pullRequestTarget: all.flatMap((workflow) => checkPullRequestTarget(workflow, all)),
    secrets: all.flatMap((workflow) => checkSecrets(workflow, all)),
    writeJobs: all.flatMap(checkWriteJobs),
    cleanup: all.flatMap(checkCleanup),
    artifacts: all.flatMap(checkArtifacts),
    serviceReferences: all.flatMap(checkServiceReferences),
    testReports: all.flatMap(checkTestReports),
  };
}
