import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedJob, scratchDir } from '../src/index.js';

/** A throwaway action whose bundle prints what it sees, to test the runner itself. */
function probeAction(): string {
  const dir = scratchDir('probe-action-');
  mkdirSync(join(dir, 'dist'));
  writeFileSync(
    join(dir, 'action.yml'),
    [
      'name: probe',
      'description: probe',
      'inputs:',
      '  base-sha: {description: x, required: false}',
      '  token: {description: x, default: "${{ github.token }}"}',
      '  mode: {description: x, default: fast}',
      'runs: {using: node24, main: dist/main.js, post: dist/post.js}',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'dist', 'main.js'),
    `const fs = require('node:fs');
const out = process.env.GITHUB_OUTPUT;
fs.appendFileSync(out, 'base<<EOF_1\\n' + (process.env['INPUT_BASE-SHA'] ?? '') + '\\nEOF_1\\n');
fs.appendFileSync(out, 'token=' + process.env.INPUT_TOKEN + '\\n');
fs.appendFileSync(out, 'mode=' + process.env.INPUT_MODE + '\\n');
fs.appendFileSync(out, 'leak=' + (process.env.VITEST ?? 'none') + '\\n');
fs.appendFileSync(process.env.GITHUB_STATE, 'pod=a b\\n');
fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, '# hello\\n');
console.log('::warning file=a%2Cb.py,line=3,title=T::two%0Alines');
console.log('plain log');
process.exitCode = 1;
`,
  );
  writeFileSync(
    join(dir, 'dist', 'post.js'),
    `console.log('::notice::post saw ' + process.env.STATE_pod + ' and ' + process.env['INPUT_BASE-SHA'].replace(/\\n/g, '%0A') + ' ' + process.env.INPUT_MODE);`,
  );
  return dir;
}

describe('SimulatedJob', () => {
  const job = new SimulatedJob({ token: 'ghs_secret' });
  afterAll(() => job.cleanup());

  it('passes inputs with hyphens, applies defaults, isolates env, and parses every file command', async () => {
    const action = probeAction();
    const result = await job.run(action, { inputs: { 'base-sha': 'line1\nline2' } });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toEqual({ base: 'line1\nline2', token: 'ghs_secret', mode: 'fast', leak: 'none' });
    expect(result.summary).toBe('# hello\n');
    expect(result.warnings).toEqual([{ level: 'warning', message: 'two\nlines', file: 'a,b.py', line: 3, title: 'T' }]);
    expect(result.log).toContain('plain log');

    const post = await job.post(action, result);
    expect(post.annotations.map((annotation) => annotation.message)).toEqual(['post saw a b and line1\nline2 fast']);

    // Inputs given to the post phase override the main phase's; the rest, defaults included, stay.
    const partial = await job.post(action, result, { inputs: { 'base-sha': 'other' } });
    expect(partial.annotations.map((annotation) => annotation.message)).toEqual(['post saw a b and other fast']);
  });
});
