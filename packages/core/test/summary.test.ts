import { describe, expect, it } from 'vitest';
import { code, codeBlock, escapeCell, limitSummary, table, tail } from '../src/index.js';

describe('summary renderers', () => {
  it('escapes cells so names cannot break the table or inject HTML', () => {
    expect(escapeCell('a|b\n<script>&')).toBe('a\\|b<br>&lt;script&gt;&amp;');
  });

  it('renders a table and cuts long ones with an "and N more" row', () => {
    const rows = Array.from({ length: 5 }, (_, index) => [`job-${index}`, 'success']);
    expect(table(['Job', 'Result'], rows, { maxRows: 2 })).toBe(
      '| Job | Result |\n| --- | --- |\n| job-0 | success |\n| job-1 | success |\n| … and 3 more |  |\n',
    );
  });

  it('keeps raw columns unescaped', () => {
    expect(table(['A'], [['**x|y**']], { rawColumns: [0] })).toContain('| **x|y** |');
  });

  it('cuts at 1 MiB on a line boundary without splitting a character', () => {
    const line = `${'é'.repeat(100)}\n`;
    const markdown = line.repeat(20_000);
    const cut = limitSummary(markdown);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024 * 1024);
    expect(cut).toContain('GitHub limits a step summary to 1 MiB');
    expect(cut).not.toContain('\uFFFD');
    expect(
      cut
        .split('\n\n_The rest')[0]
        ?.split('\n')
        .every((row) => row === 'é'.repeat(100)),
    ).toBe(true);
    expect(limitSummary('small')).toBe('small');
  });

  it('fences code that contains backticks', () => {
    expect(code('a`b')).toBe('``a`b``');
    expect(codeBlock('x ``` y', 'sh')).toBe('````sh\nx ``` y\n````\n');
    expect(tail('1\n2\n3\n', 2)).toBe('2\n3');
  });
});
