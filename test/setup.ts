/** Run before every test file (vitest `setupFiles`). */
import { afterAll } from 'vitest';
import { removeScratch } from '../packages/testkit/src/scratch.js';

// The temporary folders of the file's repositories, checkouts and simulated jobs go when it ends.
afterAll(removeScratch);
