/**
 * Temporary folders the testkit and the tests make, all removed at once by `removeScratch()`, which
 * the test setup (`test/setup.ts`) calls after every test file: a test run leaves nothing behind in
 * the temporary folder, whichever test forgot its cleanup or failed before it. Outside the tests
 * (the demo, the benchmarks) nothing calls it, and the folders stay for a look.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folders made and not yet removed (the package name and the relative path are one module). */
const made = new Set<string>();

/** A new folder under the temporary folder, named `<prefix>XXXXXX`, removed by `removeScratch()`. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Remove every folder `scratchDir` made (a folder that cannot be removed is left, not an error). */
export function removeScratch(): void {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // Files a container left as another user, or a mount still in use: not the test's failure.
    }
    made.delete(dir);
  }
}
