import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeScratch, scratchDir } from '../src/index.js';

describe('scratch folders', () => {
  it('are made under the temporary folder and all removed at once, contents and all', () => {
    const first = scratchDir('scratch-test-');
    const second = scratchDir('scratch-test-');
    mkdirSync(join(first, 'a', 'b'), { recursive: true });
    writeFileSync(join(first, 'a', 'b', 'file'), 'x');
    expect(dirname(first)).toBe(tmpdir());
    expect(basename(first)).toMatch(/^scratch-test-\w{6}$/);
    expect(second).not.toBe(first);

    removeScratch();
    expect(existsSync(first)).toBe(false);
    expect(existsSync(second)).toBe(false);
  });

  it('forgive a folder the test removed itself', () => {
    const gone = scratchDir('scratch-test-');
    rmSync(gone, { recursive: true });
    expect(() => removeScratch()).not.toThrow();
  });
});
