// The workflow files of this repository: `.github/workflows/*.{yml,yaml}` and those of every example
// consumer repository under examples/. Shared by scripts/actionlint.mjs and the workflow invariant tests.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Absolute paths of every workflow file below `root`. */
export function workflowFiles(root) {
  const dirs = [join(root, '.github', 'workflows')];
  const examples = join(root, 'examples');
  if (existsSync(examples)) {
    for (const entry of readdirSync(examples, { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(join(examples, entry.name, '.github', 'workflows'));
    }
  }
  return dirs
    .filter((dir) => existsSync(dir))
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => /\.ya?ml$/.test(name))
        .map((name) => join(dir, name)),
    );
}
