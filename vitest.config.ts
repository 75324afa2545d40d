import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * @actions/workflow-parser imports its JSON schema without an import attribute, which Node's own
 * loader refuses, so vitest transforms it (as ncc does for the testkit's bundle). Its published
 * source maps name sources it does not ship: loaded without them, so vite does not warn per file.
 */
const workflowParser = /[\\/]@actions[\\/]workflow-parser[\\/]dist[\\/].*\.js$/;

export default defineConfig({
  plugins: [
    {
      name: 'workflow-parser-without-source-maps',
      enforce: 'pre',
      load(id) {
        if (!workflowParser.test(id)) return undefined;
        return readFileSync(id, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
      },
    },
  ],
  test: {
    include: ['packages/*/test/**/*.test.ts', 'actions/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: integration tests spawn bundles, git and servers of their own.
    maxWorkers: 2,
    pool: 'forks',
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
