/**
 * A stand-in `helm` for machines without it (Helm is on GitHub's runners, not here): an executable
 * that answers `helm template [flags] -- RELEASE CHART` the way Helm prints it (the chart's `crds/`
 * with `--include-crds`, then `templates/`, each document under a `# Source:` comment), for charts
 * whose templates use only `{{ .Release.Name }}`, `{{ .Release.Namespace }}` and
 * `{{ .Values.<path> }}`; `--values FILE` and `--set-string KEY=VALUE` override `values.yaml`. Any
 * other template syntax, an unknown command or flag, or a directory without Chart.yaml fails as
 * helm would (non-zero exit, `Error: ...` on stderr). Every call's arguments are recorded.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface FakeHelm {
  /** Put this directory first on PATH. */
  binDir: string;
  /** The argument list of every call so far. */
  calls(): string[][];
}

const SCRIPT = (yamlUrl: string, log: string) => `
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from ${JSON.stringify(yamlUrl)};
const { parse } = yaml;
const args = process.argv.slice(2);
appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');
const fail = (message) => { process.stderr.write('Error: ' + message + '\\n'); process.exit(1); };
if (args[0] !== 'template') fail('unknown command "' + args[0] + '" for "helm" (this stand-in knows only template)');
let namespace = 'default', crds = false, positional = [], values = [], sets = [];
for (let i = 1; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--') { positional.push(...args.slice(i + 1)); break; }
  if (arg === '--namespace' || arg === '-n') namespace = args[++i];
  else if (arg === '--include-crds') crds = true;
  else if (arg === '--skip-tests') {}
  else if (arg === '--values' || arg === '-f') values.push(args[++i]);
  else if (arg === '--set-string') sets.push(args[++i]);
  else if (arg.startsWith('-')) fail('unknown flag: ' + arg);
  else positional.push(arg);
}
if (positional.length !== 2) fail('"helm template" requires 2 arguments here: RELEASE CHART');
const [release, chart] = positional;
if (!existsSync(join(chart, 'Chart.yaml'))) fail('Chart.yaml file is missing');
const merge = (a, b) => { for (const [k, v] of Object.entries(b ?? {})) a[k] = v && typeof v === 'object' && !Array.isArray(v) ? merge(a[k] ?? {}, v) : v; return a; };
let vals = existsSync(join(chart, 'values.yaml')) ? parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) ?? {} : {};
for (const file of values) vals = merge(vals, parse(readFileSync(file, 'utf8')));
for (const set of sets) {
  const eq = set.indexOf('=');
  const path = set.slice(0, eq).split('.');
  let node = vals;
  for (const key of path.slice(0, -1)) node = node[key] ??= {};
  node[path[path.length - 1]] = set.slice(eq + 1);
}
const render = (text, source) => text.replace(/\\{\\{-?\\s*([^}]*?)\\s*-?\\}\\}/g, (_, expr) => {
  if (expr === '.Release.Name') return release;
  if (expr === '.Release.Namespace') return namespace;
  const m = /^\\.Values\\.([A-Za-z0-9_.]+)$/.exec(expr);
  if (!m) fail(source + ': template syntax this stand-in does not render: {{ ' + expr + ' }}');
  let v = vals;
  for (const key of m[1].split('.')) v = v?.[key];
  return v === undefined || v === null ? '' : String(v);
});
const files = (dir) => existsSync(join(chart, dir)) ? readdirSync(join(chart, dir)).filter((f) => /\\.ya?ml$/.test(f)).sort().map((f) => dir + '/' + f) : [];
const name = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8')).name;
let out = '';
for (const file of [...(crds ? files('crds') : []), ...files('templates')]) {
  const text = file.startsWith('crds/') ? readFileSync(join(chart, file), 'utf8') : render(readFileSync(join(chart, file), 'utf8'), file);
  for (const doc of text.split(/^---\\s*$/m)) {
    if (doc.replace(/^\\s*#.*$/gm, '').trim() === '') continue;
    out += '---\\n# Source: ' + name + '/' + file + '\\n' + doc.replace(/^\\n+/, '') + (doc.endsWith('\\n') ? '' : '\\n');
  }
}
process.stdout.write(out);
`;

/** Write the stand-in into `dir` (created if needed). */
export function installFakeHelm(dir: string): FakeHelm {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'helm-calls.jsonl');
  const yamlUrl = pathToFileURL(createRequire(import.meta.url).resolve('yaml')).href;
  writeFileSync(join(dir, 'fake-helm.mjs'), SCRIPT(yamlUrl, log));
  const script = join(dir, 'helm');
  writeFileSync(
    script,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(dir, 'fake-helm.mjs'))} "$@"\n`,
  );
  chmodSync(script, 0o755);
  return {
    binDir: dir,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as string[])
        : [],
  };
}
