import { startEarlyDiff } from './fast-path.js';

// The diff starts first; the rest of the action (and its dependencies) loads meanwhile.
const early = startEarlyDiff();
const { run } = await import('./main.js');
await run(early);
