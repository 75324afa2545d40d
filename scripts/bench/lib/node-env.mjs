// Imported first by every benchmark (and by scripts/bench.mjs). A CA bundle named in
// NODE_EXTRA_CA_CERTS is parsed by every Node process as it starts (about 35 ms on the machine these
// numbers come from). The simulated runner does not pass it to an action, and GitHub's runners do not
// set it: a floor's bare Node must not pay it either, or every floor is 35 ms too slow and every ratio
// looks better than it is.
import { spawnSync } from 'node:child_process';

delete process.env.NODE_EXTRA_CA_CERTS;

/**
 * The Node every benchmark runs bundles and floors on: the simulated runner's (`$DYNAMO_CI_NODE`,
 * which .ci/run points at Node 24, the version GitHub runs `node24` actions on), else this one.
 */
export const NODE = process.env.DYNAMO_CI_NODE || process.execPath;

/** NODE's version (`v24.21.0`), for the reports. */
export const NODE_VERSION =
  NODE === process.execPath ? process.version : spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
