import { startEarlyGit } from './early.js';

// The first git commands start first; the rest of the action (and its dependencies) loads meanwhile.
const early = startEarlyGit();
const { main } = await import('./main.js');
await main(early);
