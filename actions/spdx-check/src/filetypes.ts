/**
 * Which comment syntax a file uses, decided from its path (and, for extension-less scripts, its
 * shebang). Pure: the tables below are the shipped defaults; a config file's `file-types` map is
 * consulted first, so every default can be overridden.
 */
import picomatch from 'picomatch';

export interface BlockComment {
  start: string;
  end: string;
  /** Written before each line inside a block when a header is inserted (`' * '` for C, `'# '` for Jinja). */
  inner: string;
  /** The line that closes an inserted block (a space and the end marker for C). */
  closing: string;
}

export type CommentStyleId = 'hash' | 'slash' | 'css' | 'html' | 'jinja' | 'dockerfile' | 'rst' | 'powershell' | 'dash';

export interface CommentStyle {
  id: CommentStyleId;
  /** Line-comment leaders accepted when reading. */
  lines: readonly string[];
  /** Block comments accepted when reading. */
  blocks: readonly BlockComment[];
  /** How an inserted header is written: one line comment per line, or one block. */
  write: { kind: 'line'; leader: string } | { kind: 'block'; block: BlockComment };
}

/**
 * Lines that must stay first in a file. A header is looked for, and inserted, after them.
 * - `shebang`: `#!...` on line 1 (never Rust's `#![attr]`).
 * - `python-encoding`: a PEP 263 `coding:` line on line 1, or line 2 after a shebang.
 * - `docker-directives`: BuildKit parser directives (`# syntax=`, `# escape=`, `# check=`), only valid at the top.
 * - `xml-declaration`: `<?xml ...?>`, and for HTML a `<!doctype>` after it.
 * - `front-matter`: a `---` ... `---` (or `+++` ... `+++`) block starting on line 1.
 * - `yaml-document`: YAML `%` directives and the `---` document marker that starts the document.
 * - `go-build`: `//go:build` and `// +build` lines, which must be followed by a blank line.
 */
export type PrologKind =
  | 'shebang'
  | 'python-encoding'
  | 'docker-directives'
  | 'xml-declaration'
  | 'doctype'
  | 'front-matter'
  | 'yaml-document'
  | 'go-build';

export const PROLOG_KINDS: readonly PrologKind[] = [
  'shebang',
  'python-encoding',
  'docker-directives',
  'xml-declaration',
  'doctype',
  'front-matter',
  'yaml-document',
  'go-build',
];

export interface FileType {
  /** A name for reports (`python`, `dockerfile`, `custom:*.foo`). */
  name: string;
  style: CommentStyle;
  prolog: readonly PrologKind[];
}

const C_BLOCK: BlockComment = { start: '/*', end: '*/', inner: ' * ', closing: ' */' };
const HTML_BLOCK: BlockComment = { start: '<!--', end: '-->', inner: '', closing: '-->' };
const JINJA_BLOCK: BlockComment = { start: '{#', end: '#}', inner: '# ', closing: '#}' };
const POWERSHELL_BLOCK: BlockComment = { start: '<#', end: '#>', inner: '', closing: '#>' };

export const COMMENT_STYLES: Readonly<Record<CommentStyleId, CommentStyle>> = {
  hash: { id: 'hash', lines: ['#'], blocks: [], write: { kind: 'line', leader: '#' } },
  slash: { id: 'slash', lines: ['//'], blocks: [C_BLOCK], write: { kind: 'line', leader: '//' } },
  css: { id: 'css', lines: [], blocks: [C_BLOCK], write: { kind: 'block', block: C_BLOCK } },
  html: { id: 'html', lines: [], blocks: [HTML_BLOCK], write: { kind: 'block', block: HTML_BLOCK } },
  jinja: { id: 'jinja', lines: [], blocks: [JINJA_BLOCK], write: { kind: 'block', block: JINJA_BLOCK } },
  // Dockerfiles rendered from Jinja templates (Dynamo's container/templates/*.Dockerfile) wrap
  // their `#` header in `{# ... #}`; both forms are accepted, plain `#` lines are written.
  dockerfile: { id: 'dockerfile', lines: ['#'], blocks: [JINJA_BLOCK], write: { kind: 'line', leader: '#' } },
  rst: { id: 'rst', lines: ['..'], blocks: [], write: { kind: 'line', leader: '..' } },
  powershell: { id: 'powershell', lines: ['#'], blocks: [POWERSHELL_BLOCK], write: { kind: 'line', leader: '#' } },
  dash: { id: 'dash', lines: ['--'], blocks: [], write: { kind: 'line', leader: '--' } },
};

export const STYLE_IDS = Object.keys(COMMENT_STYLES) as CommentStyleId[];

function type(name: string, style: CommentStyleId, prolog: readonly PrologKind[] = []): FileType {
  return { name, style: COMMENT_STYLES[style], prolog };
}

const SCRIPT: PrologKind[] = ['shebang'];
const PYTHON = type('python', 'hash', ['shebang', 'python-encoding']);
const SHELL = type('shell', 'hash', SCRIPT);
const YAML = type('yaml', 'hash', ['shebang', 'yaml-document']);
const TOML = type('toml', 'hash');
const DOCKERFILE = type('dockerfile', 'dockerfile', ['docker-directives']);
const MAKEFILE = type('makefile', 'hash', SCRIPT);
const CMAKE = type('cmake', 'hash');
const CONFIG = type('config', 'hash');
const STARLARK = type('starlark', 'hash');
const RUST = type('rust', 'slash');
const GO = type('go', 'slash', ['go-build']);
const GO_MOD = type('go-mod', 'slash');
const C = type('c', 'slash');
const CPP = type('c++', 'slash');
const CUDA = type('cuda', 'slash');
const PROTO = type('protobuf', 'slash');
const JS = type('javascript', 'slash', SCRIPT);
const TS = type('typescript', 'slash', SCRIPT);
const JVM = type('jvm', 'slash');
const CSS = type('css', 'css');
const MARKDOWN = type('markdown', 'html', ['front-matter']);
const HTML = type('html', 'html', ['xml-declaration', 'doctype']);
const XML = type('xml', 'html', ['xml-declaration']);
const RST = type('restructuredtext', 'rst');
const JINJA = type('jinja', 'jinja');
const POWERSHELL = type('powershell', 'powershell', SCRIPT);
const PBTXT = type('pbtxt', 'hash');
const TEMPLATE = type('template', 'hash');
const SQL = type('sql', 'dash');
const LUA = type('lua', 'dash', SCRIPT);
const REQUIREMENTS = type('requirements', 'hash');

/** Exact file names (case-sensitive, as on Linux runners). */
const BY_NAME: Readonly<Record<string, FileType>> = {
  Dockerfile: DOCKERFILE,
  Containerfile: DOCKERFILE,
  '.dockerignore': CONFIG,
  Makefile: MAKEFILE,
  makefile: MAKEFILE,
  GNUmakefile: MAKEFILE,
  'CMakeLists.txt': CMAKE,
  BUILD: STARLARK,
  'BUILD.bazel': STARLARK,
  WORKSPACE: STARLARK,
  'WORKSPACE.bazel': STARLARK,
  'MODULE.bazel': STARLARK,
  'go.mod': GO_MOD,
  'go.work': GO_MOD,
  '.editorconfig': CONFIG,
  '.flake8': CONFIG,
  '.pylintrc': CONFIG,
  '.coveragerc': CONFIG,
  '.bazelrc': CONFIG,
  Justfile: MAKEFILE,
  justfile: MAKEFILE,
};

/**
 * File-name patterns (matched against the base name), in order, each with a cheap test that
 * every name it matches passes (classification runs once per tracked file).
 */
const BY_NAME_PATTERN: readonly { pattern: RegExp; type: FileType; guard: (name: string) => boolean }[] = [
  {
    pattern: /^(Dockerfile|Containerfile)\..+$/,
    type: DOCKERFILE,
    guard: (name) => name.startsWith('Dockerfile.') || name.startsWith('Containerfile.'),
  },
  {
    pattern: /\.(Dockerfile|dockerfile|Containerfile|containerfile)$/,
    type: DOCKERFILE,
    guard: (name) => name.endsWith('file'),
  },
  {
    pattern: /^(requirements|constraints)[\w.-]*\.(txt|in)$/,
    type: REQUIREMENTS,
    guard: (name) => name.startsWith('requirements') || name.startsWith('constraints'),
  },
];

/** Extensions, lower-cased, without the dot. */
const BY_EXTENSION: Readonly<Record<string, FileType>> = {
  py: PYTHON,
  pyi: PYTHON,
  pyx: PYTHON,
  pxd: PYTHON,
  sh: SHELL,
  bash: SHELL,
  zsh: SHELL,
  ksh: SHELL,
  yaml: YAML,
  yml: YAML,
  toml: TOML,
  mk: MAKEFILE,
  make: MAKEFILE,
  cmake: CMAKE,
  cfg: CONFIG,
  ini: CONFIG,
  conf: CONFIG,
  bzl: STARLARK,
  bazel: STARLARK,
  star: STARLARK,
  tf: CONFIG,
  hcl: CONFIG,
  rs: RUST,
  go: GO,
  c: C,
  h: C,
  cc: CPP,
  cpp: CPP,
  cxx: CPP,
  'c++': CPP,
  hh: CPP,
  hpp: CPP,
  hxx: CPP,
  inl: CPP,
  ipp: CPP,
  tpp: CPP,
  cu: CUDA,
  cuh: CUDA,
  proto: PROTO,
  js: JS,
  mjs: JS,
  cjs: JS,
  jsx: JS,
  ts: TS,
  mts: TS,
  cts: TS,
  tsx: TS,
  java: JVM,
  kt: JVM,
  kts: JVM,
  scala: JVM,
  swift: JVM,
  cs: JVM,
  css: CSS,
  md: MARKDOWN,
  markdown: MARKDOWN,
  html: HTML,
  htm: HTML,
  xml: XML,
  rst: RST,
  j2: JINJA,
  jinja: JINJA,
  jinja2: JINJA,
  ps1: POWERSHELL,
  psm1: POWERSHELL,
  psd1: POWERSHELL,
  pbtxt: PBTXT,
  tpl: TEMPLATE,
  sql: SQL,
  lua: LUA,
};

/**
 * Files that cannot carry a comment (or must not: license texts, lock files, data). They are
 * skipped and counted as `uncommentable`, never reported as unknown. A config mapping wins.
 */
const UNCOMMENTABLE_NAMES = new Set([
  'LICENSE',
  'LICENCE',
  'COPYING',
  'NOTICE',
  'AUTHORS',
  'CODEOWNERS',
  '.gitignore',
  '.gitattributes',
  '.gitmodules',
  '.gitkeep',
  '.keep',
  'py.typed',
  'go.sum',
  'Cargo.lock',
  'uv.lock',
  'poetry.lock',
  'Pipfile.lock',
  'yarn.lock',
  'pnpm-lock.yaml',
  'package-lock.json',
]);
const UNCOMMENTABLE_NAME_PATTERN = /^(LICEN[CS]E|COPYING|NOTICE)([.-].*)?$/;
const UNCOMMENTABLE_EXTENSIONS = new Set([
  'json',
  'jsonl',
  'ipynb',
  'lock',
  'license',
  'patch',
  'diff',
  'csv',
  'tsv',
  'svg',
  'sum',
  'spdx',
]);

export type Classification =
  | { kind: 'typed'; type: FileType }
  | { kind: 'uncommentable' }
  /** Mapped to `skip` by the config. */
  | { kind: 'configured-skip' }
  /** Nothing known by path; an extension-less file may still be typed by its shebang. */
  | { kind: 'unknown'; extensionless: boolean };

/** A `file-types` entry from the config: a glob and a comment style (or `skip`). */
export interface TypeMapping {
  pattern: string;
  style: CommentStyleId | 'skip';
  prolog?: readonly PrologKind[];
}

export interface CompiledMappings {
  match(path: string): Classification | undefined;
}

/** Globs with a `/` match the repository-relative path; others match the base name anywhere. */
export function compileMappings(mappings: readonly TypeMapping[]): CompiledMappings | undefined {
  if (mappings.length === 0) return undefined;
  const compiled = mappings.map((mapping) => {
    const isMatch = picomatch(mapping.pattern, { dot: true, basename: !mapping.pattern.includes('/') });
    const result: Classification =
      mapping.style === 'skip'
        ? { kind: 'configured-skip' }
        : {
            kind: 'typed',
            type: {
              name: `custom:${mapping.pattern}`,
              style: COMMENT_STYLES[mapping.style],
              prolog: mapping.prolog ?? defaultProlog(mapping.style),
            },
          };
    return { isMatch, result };
  });
  return {
    match(path) {
      for (const entry of compiled) if (entry.isMatch(path)) return entry.result;
      return undefined;
    },
  };
}

function defaultProlog(style: CommentStyleId): readonly PrologKind[] {
  if (style === 'hash' || style === 'slash' || style === 'powershell') return ['shebang'];
  if (style === 'html') return ['xml-declaration'];
  if (style === 'dockerfile') return ['docker-directives'];
  return [];
}

export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

// Classification runs once per tracked file, so the lookups below avoid work that cannot match:
// own-key maps (a file named `constructor` or `x.toString` must not hit Object.prototype), a
// cheap necessary condition before each name regex (each pattern's guard), and one shared
// result object per type.
const NAME_TYPES = new Map(Object.entries(BY_NAME));
const EXTENSION_TYPES = new Map(Object.entries(BY_EXTENSION));
const CODE_L = 76;
const CODE_C = 67;
const CODE_N = 78;
const UNCOMMENTABLE: Classification = Object.freeze({ kind: 'uncommentable' });
const UNKNOWN_EXTENSIONLESS: Classification = Object.freeze({ kind: 'unknown', extensionless: true });
const UNKNOWN_EXTENSION: Classification = Object.freeze({ kind: 'unknown', extensionless: false });
const TYPED = new Map<FileType, Classification>();
function typed(type: FileType): Classification {
  let result = TYPED.get(type);
  if (result === undefined) {
    result = Object.freeze({ kind: 'typed', type });
    TYPED.set(type, result);
  }
  return result;
}

/** Classify a repository-relative path. Config mappings first, then the shipped tables. */
export function classify(path: string, mappings?: CompiledMappings): Classification {
  const configured = mappings?.match(path);
  if (configured) return configured;
  const name = baseName(path);
  const first = name.charCodeAt(0);
  if (
    UNCOMMENTABLE_NAMES.has(name) ||
    ((first === CODE_L || first === CODE_C || first === CODE_N) && UNCOMMENTABLE_NAME_PATTERN.test(name))
  ) {
    return UNCOMMENTABLE;
  }
  const named = NAME_TYPES.get(name);
  if (named) return typed(named);
  for (let index = 0; index < BY_NAME_PATTERN.length; index++) {
    const { pattern, type, guard } = BY_NAME_PATTERN[index] as (typeof BY_NAME_PATTERN)[number];
    if (guard(name) && pattern.test(name)) return typed(type);
  }
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return UNKNOWN_EXTENSIONLESS;
  const extension = name.slice(dot + 1).toLowerCase();
  const byExtension = EXTENSION_TYPES.get(extension);
  if (byExtension) return typed(byExtension);
  if (UNCOMMENTABLE_EXTENSIONS.has(extension)) return UNCOMMENTABLE;
  return UNKNOWN_EXTENSION;
}

const SHEBANG_TYPES: readonly [RegExp, FileType][] = [
  [/\bpython[\d.]*\b/, PYTHON],
  [/\b(ba|z|k|da)?sh\b/, SHELL],
  [/\b(node|deno|bun|tsx|ts-node)\b/, JS],
  [/\bpwsh\b/, POWERSHELL],
  [/\bmake\b/, MAKEFILE],
];

/** An extension-less script typed by its interpreter (`#!/usr/bin/env bash`). */
export function typeFromShebang(firstLine: string): FileType | undefined {
  if (!firstLine.startsWith('#!') || firstLine.startsWith('#![')) return undefined;
  for (const [pattern, fileType] of SHEBANG_TYPES) {
    if (pattern.test(firstLine)) return fileType;
  }
  return undefined;
}
