import { startEarlyDiff } from './fast-path.js';

// The diff starts first; the rest of the action (and its dependencies) loads meanwhile.
const early = startEarlyDiff();
const { main } = await import('./main.js');
await main(early);
