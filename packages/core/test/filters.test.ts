import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, scratchDir } from '@dynamo-ci/testkit';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  compileGlob,
  FilterMatcher,
  isCatchAll,
  lintFilters,
  loadFilters,
  parseFilters,
} from '../src/index.js';

/** The example repository's filters file: upstream's filter groups as they are. */
const UPSTREAM_FILE = join(repoRoot, 'examples', 'dynamo-example', '.github', 'filters.yaml');
const upstream = parseFilters(readFileSync(UPSTREAM_FILE, 'utf8'), '.github/filters.yaml');

function trueFilters(paths: string[], config = upstream): string[] {
  const result = new FilterMatcher(config.groups).match(paths);
  return result.groups.filter((group) => group.name !== 'all' && group.files.length > 0).map((group) => group.name);
}

describe('upstream filters.yaml: 25 changes and the filters each sets', () => {
  // Filters true, in file order (docs examples ignore ci core operator deploy planner vllm sglang trtllm frontend rust).
  const cases: [number, string[], string[]][] = [
    [1, ['lib/runtime/src/lib.rs'], ['core', 'frontend', 'rust']],
    [2, ['lib/README.md'], ['docs']],
    [3, ['components/src/dynamo/vllm/main.py'], ['vllm']],
    [4, ['components/src/dynamo/vllm/README.md'], ['docs']],
    [5, ['examples/backends/vllm/deploy/agg.yaml'], ['examples', 'vllm']],
    [6, ['examples/backends/trtllm/deploy/README.md'], ['docs', 'examples']],
    [7, ['container/templates/sglang_runtime.Dockerfile'], ['sglang']],
    [8, ['container/templates/dynamo_runtime.Dockerfile'], ['core']],
    [9, ['container/templates/planner.Dockerfile'], ['planner']],
    [10, ['container/deps/requirements.vllm.txt'], ['docs', 'vllm', 'frontend']],
    [11, ['container/deps/requirements.test.txt'], ['docs', 'frontend']],
    [12, ['container/Dockerfile.test'], ['ci', 'core', 'operator', 'deploy', 'frontend']],
    [13, ['.github/workflows/pr.yaml'], ['ci', 'core', 'operator', 'deploy', 'frontend']],
    [14, ['.github/scripts/route_buildkit.sh'], ['ignore', 'ci', 'core', 'operator', 'deploy', 'frontend']],
    [15, ['.github/scripts/test-filters.js'], ['ignore']],
    [16, ['deploy/operator/internal/controller/dgd.go', 'deploy/operator/.golangci.yml'], ['operator']],
    [17, ['deploy/helm/charts/platform/values.yaml'], ['operator', 'deploy']],
    [18, ['deploy/sanity_check.py'], ['ignore']],
    [19, ['components/src/dynamo/profiler/utils/dgdr_v1beta1.py'], ['operator', 'planner']],
    [20, ['deploy/inference-gateway/helm/values.yaml'], ['examples', 'frontend']],
    [21, ['tests/deploy/test_deploy.py'], ['core', 'deploy']],
    [22, ['docs/kubernetes/api-reference.md'], ['docs', 'operator']],
    [23, ['scripts/bench.sh', 'Makefile', 'tools/x.go', '.github/CODEOWNERS'], []],
    [24, ['README.md', 'CODEOWNERS', '.gitignore'], ['docs']],
    [25, ['pyproject.toml'], ['core', 'frontend']],
    [25, ['Cargo.lock'], ['core', 'frontend', 'rust']],
  ];
  it.each(cases)('case %i: %j -> %j', (_, paths, expected) => {
    expect(trueFilters(paths)).toEqual(expected);
  });

  it('case 16: both paths match operator, the dotfile too', () => {
    const operator = new FilterMatcher(upstream.groups)
      .match(['deploy/operator/internal/controller/dgd.go', 'deploy/operator/.golangci.yml'])
      .groups.find((group) => group.name === 'operator');
    expect(operator?.files).toEqual(['deploy/operator/internal/controller/dgd.go', 'deploy/operator/.golangci.yml']);
  });

  it('case 23: every path is uncovered; `all` is catch-all and does not count', () => {
    const paths = ['scripts/bench.sh', 'Makefile', 'tools/x.go', '.github/CODEOWNERS'];
    const result = new FilterMatcher(upstream.groups).match(paths);
    expect(result.uncovered).toEqual(paths);
    expect(result.groups.find((group) => group.name === 'all')).toMatchObject({ files: paths, catchAll: true });
  });

  it('reads the anchors: core, operator, deploy and frontend start with the six ci patterns', () => {
    const ciGroup = upstream.groups.find((group) => group.name === 'ci');
    const ci = ciGroup?.patterns.map((pattern) => pattern.glob);
    const ciLine = ciGroup?.patterns[0]?.line;
    // The anchored list starts on the line after `ci: &ci`.
    expect(readFileSync(UPSTREAM_FILE, 'utf8').split('\n')[(ciLine as number) - 2]).toBe('ci: &ci');
    for (const name of ['core', 'operator', 'deploy', 'frontend']) {
      const group = upstream.groups.find((candidate) => candidate.name === name);
      expect(group?.patterns.slice(0, 6).map((pattern) => pattern.glob)).toEqual(ci);
      // The alias line is where the pattern enters the group; the anchor's line is kept too.
      expect(group?.patterns[0]?.line).toBe(group ? (group.line as number) + 1 : -1);
      // ...and that is the line of the first ci pattern.
      expect(group?.patterns[0]?.sourceLine).toBe(ciLine);
    }
    expect(upstream.groups.map((group) => group.name)).toEqual([
      'all',
      'docs',
      'examples',
      'ignore',
      'ci',
      'core',
      'operator',
      'deploy',
      'planner',
      'vllm',
      'sglang',
      'trtllm',
      'frontend',
      'rust',
    ]);
  });

  it('the upstream file lints clean', () => {
    expect(lintFilters(upstream)).toEqual([]);
  });
});

describe('ordered matching', () => {
  const config = (yaml: string) => parseFilters(yaml, 'filters.yaml');
  it.each([
    ['negation after positive removes', "g: ['src/**', '!**/*.md']", 'src/a.md', false],
    ['negation before positive does nothing', "g: ['!**/*.md', 'src/**']", 'src/a.md', true],
    ['a later positive re-adds', "g: ['src/**', '!**/*.md', 'src/keep.md']", 'src/keep.md', true],
    ['re-add is specific', "g: ['src/**', '!**/*.md', 'src/keep.md']", 'src/other.md', false],
    ['negation-only group matches the rest', "g: ['!**/*.md']", 'src/a.py', true],
    ['negation-only group excludes', "g: ['!**/*.md']", 'src/a.md', false],
    ['** matches dot-directories', "g: ['**']", '.github/workflows/x.yml', true],
    ['* matches dotfiles', "g: ['deploy/*']", 'deploy/.env', true],
    ['* does not cross /', "g: ['*.py']", 'deploy/x.py', false],
    ['dir/** matches the dir path itself', "g: ['sub/**']", 'sub', true],
    ['braces expand', "g: ['{lib,src}/*.rs']", 'src/a.rs', true],
    ['extglob is off: !(x) is not an extglob', "g: ['a/+(b)']", 'a/bb', false],
    ['leading ./ in a pattern is dropped', "g: ['./lib/**']", 'lib/a', true],
    ['literal with spaces', "g: ['dir with space/file (1).txt']", 'dir with space/file (1).txt', true],
    ['case-sensitive', "g: ['README.md']", 'readme.md', false],
    ['single string value', "g: 'docs/**'", 'docs/a', true],
  ])('%s', (_, yaml, path, expected) => {
    const result = new FilterMatcher(config(yaml).groups).match([path]);
    expect(result.groups[0]?.files.length === 1).toBe(expected);
  });

  it('keeps input order and handles hostile names', () => {
    const hostile = ['x/$(touch pwned).py', 'x/line\nbreak.py', 'x/-n', 'x/ünï.py', 'x/quote".py'];
    const result = new FilterMatcher(config("g: ['x/**']\nh: ['**/*.md']").groups).match([...hostile, 'a.md']);
    expect(result.groups[0]?.files).toEqual(hostile);
    expect(result.uncovered).toEqual([]);
  });

  it('groups that are all catch-all make no coverage claim', () => {
    const only = config("all: ['**']\nalso: ['**/*']");
    expect(only.groups.every(isCatchAll)).toBe(true);
    expect(new FilterMatcher(only.groups).match(['x']).uncovered).toEqual([]);
    expect(isCatchAll(config("g: ['**', '!x']").groups[0] as never)).toBe(false);
  });
});

describe('parseFilters errors and lint', () => {
  it.each([
    ['not: [valid', /filters\.yaml line 1 is not valid YAML/],
    ['', /defines no filters/],
    ['- a\n- b', /must be a mapping of filter names/],
    ['g:\n  - a: b', /filters\.yaml line 2: filter 'g' must be a list of glob patterns/],
    ["g: ['a', '']", /filter 'g' has an empty pattern/],
    ['g: [a]\ng: [b]', /not valid YAML: Map keys must be unique/],
  ])('%j', (yaml, message) => {
    expect(() => parseFilters(yaml, 'filters.yaml')).toThrow(ConfigError);
    expect(() => parseFilters(yaml, 'filters.yaml')).toThrow(message);
  });

  it.each([
    ['"a\\nevil": [x]', '"a\\nevil"'],
    ['"a=b": [x]', '"a=b"'],
    ['"vllm.cuda": [x]', '"vllm.cuda"'],
    ['"with space": [x]', '"with space"'],
    ['ok: [x]\n"é": [y]', '"é"'],
    ['"9lives": [x]', '"9lives"'],
  ])('refuses a filter name that is not a valid output name: %s', (yaml, shown) => {
    const line = yaml.startsWith('ok') ? 2 : 1;
    expect(() => parseFilters(yaml, '.github/filters.yaml')).toThrow(ConfigError);
    expect(() => parseFilters(yaml, '.github/filters.yaml')).toThrow(
      `.github/filters.yaml line ${line}: filter name ${shown} cannot be an output name (each filter sets the step output of its name); use only letters, digits, '_' and '-', starting with a letter or '_'.`,
    );
    expect(parseFilters('Core_2-x: [x]\n_9: [y]').groups.map((group) => group.name)).toEqual(['Core_2-x', '_9']);
  });

  it('reports a negation before any positive and duplicates, with lines (also through aliases)', () => {
    const yaml = [
      'base: &base',
      "  - 'lib/**'",
      'g:',
      "  - '!**/*.md'",
      "  - 'src/**'",
      "  - 'src/**'",
      "  - '!**/*.txt'",
      "  - 'src/**'",
      'h:',
      '  - *base',
      "  - 'lib/**'",
      'empty: []',
      "negonly: ['!x']",
    ].join('\n');
    const findings = lintFilters(parseFilters(yaml, '.github/filters.yaml'));
    expect(findings.map((finding) => [finding.group, finding.line, finding.message])).toEqual([
      ['g', 4, expect.stringMatching(/^Pattern '!\*\*\/\*\.md' in filter 'g' comes before any positive pattern/)],
      ['g', 6, "Pattern 'src/**' in filter 'g' repeats the one on line 5 and has no effect."],
      ['h', 11, "Pattern 'lib/**' in filter 'h' repeats the one on line 10 and has no effect."],
      ['empty', 12, "Filter 'empty' has no patterns, so it is always false."],
    ]);
    expect(findings.every((finding) => finding.file === '.github/filters.yaml')).toBe(true);
  });
});

describe('loadFilters', () => {
  const dir = scratchDir('filters-');
  writeFileSync(join(dir, 'f.yaml'), "g: ['a/**']\n");
  it('reads a file relative to cwd', () => {
    expect(loadFilters('f.yaml', dir)).toMatchObject({ file: 'f.yaml', groups: [{ name: 'g' }] });
  });
  it('takes inline YAML', () => {
    expect(loadFilters("docs:\n  - 'docs/**'\n", dir)).toMatchObject({ file: undefined, groups: [{ name: 'docs' }] });
    expect(loadFilters("docs: ['docs/**']", dir).groups[0]?.patterns[0]?.glob).toBe('docs/**');
  });
  it('names a missing file and the input', () => {
    expect(() => loadFilters('.github/filters.yaml', dir)).toThrow(
      /The filters file \.github\/filters\.yaml does not exist \(input 'filters'/,
    );
  });
});

describe('FilterMatcher speed', () => {
  it('matches 50,000 paths against the upstream groups in well under a second', () => {
    const paths = Array.from({ length: 50_000 }, (_, index) => {
      const dirs = [
        'lib/runtime/src',
        'components/src/dynamo/vllm',
        'docs/guide',
        'deploy/helm/x',
        '.github/workflows',
      ];
      return `${dirs[index % dirs.length]}/file_${index}.${['rs', 'py', 'md', 'yaml', 'txt'][index % 5]}`;
    });
    const started = performance.now();
    const result = new FilterMatcher(upstream.groups).match(paths);
    const elapsed = performance.now() - started;
    expect(result.groups.find((group) => group.name === 'all')?.files).toHaveLength(50_000);
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('compileGlob shortcuts agree with picomatch', () => {
  const globs = [
    ...upstream.groups.flatMap((group) => group.patterns.map((pattern) => pattern.glob)),
    '*',
    '**/*',
    '**/**',
    '*/**',
    'a*',
    'a/*',
    '*.md',
    '**/a',
    '**/.md',
    '**/*',
    'x/**/y',
    'a/*/b',
  ];
  const segments = ['a', 'b', '.md', 'x.md', '.x', 'lib', 'deploy', 'y', 'dynamo_', 'Cargo.toml', 'README.md', 'a.rs'];
  const paths = new Set<string>(['a', '.md', 'x.md', 'deploy/operator/.golangci.yml', 'container/templates/dynamo_']);
  for (const first of segments) {
    paths.add(first);
    for (const second of segments) {
      paths.add(`${first}/${second}`);
      for (const third of ['c', '.md', 'z.rs']) paths.add(`${first}/${second}/${third}`);
    }
  }
  for (const glob of upstream.groups.flatMap((group) => group.patterns.map((pattern) => pattern.glob))) {
    paths.add(glob.replace(/\*+/g, 'q'));
    paths.add(glob.replace(/\*\*/g, 'q/r').replace(/\*/g, ''));
  }
  // Only what git can report: relative, no empty, `.` or `..` segments, no trailing slash.
  const gitPaths = [...paths].filter((path) =>
    path.split('/').every((part) => part !== '' && part !== '.' && part !== '..'),
  );
  it.each([...new Set(globs)])('%s', (glob) => {
    const fast = compileGlob(glob);
    const reference = picomatch(glob, { dot: true, noextglob: true });
    const disagreements = gitPaths.filter((path) => fast(path) !== reference(path));
    expect(disagreements).toEqual([]);
  });
});

describe('FilterMatcher agrees with a naive ordered picomatch evaluation', () => {
  const extra = parseFilters(
    [
      "mixed: ['lib', 'lib/**', '!**/*.md', '**/*_test.py', '*.py', '{docs,fern}/**', '!docs/skip/**', 'docs/skip/keep.md']",
      "negonly: ['!**/*.rs', '!deploy/**']",
      "names: ['**/Makefile', '**/.gitignore', 'tools/*/x.go', 'a*/b']",
    ].join('\n'),
  );
  const groups = [...upstream.groups, ...extra.groups];
  const naive = (path: string) =>
    groups.map((group) => {
      let state = group.patterns.every((pattern) => pattern.negated);
      for (const pattern of group.patterns) {
        if (picomatch(pattern.glob, { dot: true, noextglob: true })(path)) state = !pattern.negated;
      }
      return state;
    });
  const paths = [
    'lib',
    'lib/a.md',
    'lib/x/y_test.py',
    'setup.py',
    'x/setup.py',
    'docs/skip/keep.md',
    'docs/skip/other.md',
    'fern/a',
    'tools/q/x.go',
    'tools/q/r/x.go',
    'a1/b',
    'Makefile',
    'sub/Makefile',
    'sub/.gitignore',
    'deploy/operator/.golangci.yml',
    'deploy',
    'README.md',
  ];
  for (const group of upstream.groups) {
    for (const pattern of group.patterns) {
      paths.push(pattern.glob.replace(/\*\*/g, 'd1/d2').replace(/\*/g, 'x'), pattern.glob.replace(/\*+/g, ''));
    }
  }
  const gitPaths = paths.filter((path) =>
    path.split('/').every((part) => part !== '' && part !== '.' && part !== '..'),
  );
  // As given (each path on its own), and in git's order (folders as blocks, by binary search).
  it.each([
    ['as given', gitPaths],
    ['sorted', [...new Set(gitPaths)].sort()],
  ])('on every probe path, %s', (_label, list) => {
    const result = new FilterMatcher(groups).match(list);
    const fast = list.map((path) => result.groups.map((group) => group.files.includes(path)));
    expect(fast).toEqual(list.map(naive));
    // Each group's runs of indexes are its files, run by run, with no two runs touching.
    for (const group of result.groups) {
      const expanded: string[] = [];
      for (let index = 0; index < group.runs.length; index += 2) {
        const [start, end] = [group.runs[index] as number, group.runs[index + 1] as number];
        expect(start).toBeLessThan(end);
        if (index > 0) expect(start).toBeGreaterThan(group.runs[index - 1] as number);
        expanded.push(...list.slice(start, end));
      }
      expect(expanded).toEqual(group.files);
      expect(group.count).toBe(expanded.length);
    }
  });
});

describe('FilterMatcher: verdicts shared per folder and extension agree with picomatch', () => {
  const extra = parseFilters(
    [
      "roots: ['*.{py,toml}', 'Makefile?', '!setup.py', 'a?c']",
      "exts: ['**/*.md', '!docs/**', 'docs/**/*.md', '!**/*.rst']",
      "dirs: ['lib/**', '!lib/x/*', 'lib/x/keep.*', 'deploy/*', 'container/templates/dynamo_*']",
      "names: ['**/Cargo.toml', '**/.gitignore', 'lib/x']",
    ].join('\n'),
  );
  const groups = [...upstream.groups, ...extra.groups];
  const compiled = new Map<string, (path: string) => boolean>();
  const test = (glob: string, path: string) => {
    let matcher = compiled.get(glob);
    if (!matcher) {
      matcher = picomatch(glob, { dot: true, noextglob: true });
      compiled.set(glob, matcher);
    }
    return matcher(path);
  };
  const naive = (path: string) =>
    groups.map((group) => {
      let state = group.patterns.every((pattern) => pattern.negated);
      for (const pattern of group.patterns) {
        if (test(pattern.glob, path)) state = !pattern.negated;
      }
      return state;
    });
  // Long folders too: the matcher's length guards make most short paths take the per-path route.
  const folders = ['', 'lib', 'lib/x', 'lib/x/y', 'docs', 'docs/a', 'deploy', 'deploy/helm', 'container/templates'];
  folders.push(...folders.map((folder) => `${folder ? `${folder}/` : ''}a-much-longer-folder-name/and-another-one`));
  const names = [
    'a.md',
    'b.md',
    'keep.md',
    'c.rst',
    'setup.py',
    'z.py',
    'Cargo.toml',
    'x.toml',
    'Makefile',
    'Makefile1',
    '.gitignore',
    'noext',
    'trailing.',
    'abc',
    'dynamo_x.Dockerfile',
    'x',
    'a.b.md',
    'p.md',
    'p.xmd',
    'q.rs',
    'q.s',
  ];
  const paths = folders.flatMap((folder) => names.map((name) => (folder ? `${folder}/${name}` : name)));
  paths.push('lib/x', 'deploy');
  it.each([
    ['git order', [...paths].sort()],
    ['mixed order', [...paths].sort().reverse().concat(paths)],
  ])('%s', (_label, list) => {
    const result = new FilterMatcher(groups).match(list);
    const fast = list.map((_, index) =>
      result.groups.map((group) => group.files.filter((path) => path === list[index]).length > 0),
    );
    expect(fast).toEqual(list.map(naive));
    const covered = (path: string) =>
      naive(path).some((isIn, index) => isIn && !isCatchAll(groups[index] as (typeof groups)[number]));
    expect(result.uncovered).toEqual(list.filter((path) => !covered(path)));
  });
});

describe('FilterMatcher on sorted paths: bit sets at word boundaries', () => {
  const config = parseFilters(
    [
      "all: ['**']",
      "none: ['!**']",
      "notmd: ['!**/*.md']",
      "tree: ['d/**', '!d/skip/**']",
      "kids: ['d/*']",
      "names: ['**/x.md', 'd0']",
    ].join('\n'),
  );
  const naive = (path: string) =>
    config.groups.map((group) => {
      let state = group.patterns.every((pattern) => pattern.negated);
      for (const pattern of group.patterns) {
        if (picomatch(pattern.glob, { dot: true, noextglob: true })(path)) state = !pattern.negated;
      }
      return state;
    });
  it.each([0, 1, 2, 31, 32, 33, 63, 64, 65, 100])('%i paths', (size) => {
    const shapes = ['d/f{}.md', 'd/skip/f{}.py', 'd/sub/f{}.rs', 'e/x.md', 'd{}', 'd/f{}'];
    const list = [
      ...new Set(
        Array.from({ length: size }, (_, index) =>
          (shapes[index % shapes.length] as string).replace('{}', String(index)),
        ),
      ),
    ].sort();
    const result = new FilterMatcher(config.groups).match(list);
    const fast = list.map((path) => result.groups.map((group) => group.files.includes(path)));
    expect(fast).toEqual(list.map(naive));
    // A caller that knows the order (git's, all ASCII) gets the same without the check.
    const trusted = new FilterMatcher(config.groups).match(list, { ascending: true });
    expect(trusted.groups.map((group) => group.runs)).toEqual(result.groups.map((group) => group.runs));
    expect(trusted.uncovered).toEqual(result.uncovered);
    for (const group of result.groups) {
      expect(group.count).toBe(group.files.length);
      for (let index = 0; index < group.runs.length; index += 2) {
        expect(group.runs[index + 1] as number).toBeLessThanOrEqual(list.length);
      }
    }
    const covered = (path: string) =>
      naive(path).some((isIn, index) => isIn && !isCatchAll(config.groups[index] as (typeof config.groups)[number]));
    expect(result.uncovered).toEqual(list.filter((path) => !covered(path)));
    // `all` has every path and `none` none.
    expect(result.groups[0]?.count).toBe(list.length);
    expect(result.groups[1]?.count).toBe(0);
  });
});
