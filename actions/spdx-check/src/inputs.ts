/**
 * Inputs and the optional config file, merged into one typed `Settings`: an input that is set
 * wins over the config file, which wins over the defaults (`ignore` lists are concatenated).
 * Pure: the caller passes the raw input reader and the config file's text.
 */
import { ConfigError, InputError } from '@dynamo-ci/core/errors';
import * as inputs from '@dynamo-ci/core/inputs';
import { type CommentStyleId, PROLOG_KINDS, type PrologKind, STYLE_IDS, type TypeMapping } from './filetypes.js';
import { checkLicense } from './license.js';

export const SCOPES = ['changed', 'all'] as const;
export const YEAR_RULES = ['changed', 'last-commit', 'none'] as const;
export const UNKNOWN_TYPES = ['fail', 'warn', 'ignore'] as const;
export type Scope = (typeof SCOPES)[number];
export type YearRule = (typeof YEAR_RULES)[number];
export type UnknownTypes = (typeof UNKNOWN_TYPES)[number];

export const DEFAULT_HOLDER = 'NVIDIA CORPORATION & AFFILIATES. All rights reserved.';
export const DEFAULT_LICENSE = 'Apache-2.0';
/**
 * GitHub shows 10 error and 10 warning annotations per step (and 50 per job) and drops the rest
 * from the UI: by default a step writes at most that many of each level.
 */
export const DEFAULT_MAX_ANNOTATIONS = 10;

/** What the step's `with:` block says; unset values are undefined. */
export interface ActionInputs {
  scope?: Scope;
  baseSha?: string;
  headSha?: string;
  token?: string;
  /** One holder per line (holders such as `Meta Platforms, Inc.` contain commas). */
  copyrightHolders?: string[];
  licenses?: string[];
  yearRule?: YearRule;
  ignore: string[];
  unknownTypes?: UnknownTypes;
  fix: boolean;
  maxAnnotations: number;
  config?: string;
  sarifFile?: string;
  jsonFile?: string;
  workingDirectory?: string;
}

export function parseInputs(read: (name: string) => string | undefined): ActionInputs {
  const listOrUndefined = (name: string) => {
    const values = inputs.list(read(name));
    return values.length > 0 ? values : undefined;
  };
  const raw = (name: string) => inputs.optional(read(name))?.trim();
  const parsed: ActionInputs = {
    scope: read('scope') === undefined ? undefined : inputs.oneOf(read('scope'), 'scope', SCOPES, 'changed'),
    baseSha: raw('base-sha'),
    headSha: raw('head-sha'),
    token: inputs.optional(read('token')),
    copyrightHolders: holderList(read('copyright-holder')),
    licenses: listOrUndefined('license'),
    yearRule:
      read('year-rule') === undefined ? undefined : inputs.oneOf(read('year-rule'), 'year-rule', YEAR_RULES, 'changed'),
    ignore: inputs.list(read('ignore'), { comma: false }),
    unknownTypes:
      read('unknown-types') === undefined
        ? undefined
        : inputs.oneOf(read('unknown-types'), 'unknown-types', UNKNOWN_TYPES, 'warn'),
    fix: inputs.boolean(read('fix'), 'fix', false),
    maxAnnotations: inputs.integer(read('max-annotations'), 'max-annotations', DEFAULT_MAX_ANNOTATIONS, { min: 0 }),
    config: raw('config'),
    sarifFile: raw('sarif-file'),
    jsonFile: raw('json-file'),
    workingDirectory: raw('working-directory'),
  };
  for (const name of ['base-sha', 'head-sha'] as const) {
    const value = name === 'base-sha' ? parsed.baseSha : parsed.headSha;
    if (value !== undefined && (value.startsWith('-') || /\s/.test(value))) {
      throw new InputError(name, `Input '${name}' must be a commit SHA or ref name, got ${JSON.stringify(value)}`);
    }
  }
  return parsed;
}

function holderList(raw: string | undefined): string[] | undefined {
  const holders = inputs.list(raw, { comma: false });
  return holders.length > 0 ? holders : undefined;
}

/**
 * Normalise allowed licenses; each must be a valid SPDX expression. A bad one is reported with a
 * correction when spdx-correct has one (loaded only then).
 */
async function validateLicenses(licenses: readonly string[], error: (message: string) => Error): Promise<string[]> {
  const normalized: string[] = [];
  for (const license of licenses) {
    const result = checkLicense(license);
    if (!result.valid) {
      const { suggestLicense } = await import('./suggest.js');
      const suggestion = suggestLicense(license);
      const hint = suggestion ? `; use ${JSON.stringify(suggestion)}` : '';
      throw error(`must list valid SPDX license expressions: ${result.reason}${hint}`);
    }
    normalized.push(result.normalized);
  }
  return normalized;
}

/** The config file (`config:` input): the same keys as the inputs plus `file-types`. */
export interface ConfigFile {
  scope?: Scope;
  copyrightHolders?: string[];
  licenses?: string[];
  yearRule?: YearRule;
  ignore: string[];
  unknownTypes?: UnknownTypes;
  fileTypes: TypeMapping[];
}

const CONFIG_KEYS = ['scope', 'copyright-holder', 'license', 'year-rule', 'ignore', 'unknown-types', 'file-types'];

/** Parse the config file (the YAML parser loads only now: most runs have no config file). */
export async function parseConfig(text: string, path: string): Promise<ConfigFile> {
  const fail = (message: string) => new ConfigError(`Config file ${path}: ${message}`);
  const { parse: parseYaml } = await import('yaml');
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw fail(`is not valid YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  if (document === null || document === undefined) return { ignore: [], fileTypes: [] };
  if (typeof document !== 'object' || Array.isArray(document)) throw fail('must be a mapping of settings');
  const record = document as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!CONFIG_KEYS.includes(key)) throw fail(`unknown key '${key}' (known: ${CONFIG_KEYS.join(', ')})`);
  }
  const text_ = (key: string): string | undefined => {
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw fail(`'${key}' must be a non-empty string`);
    return value.trim();
  };
  // A string is read as the input of the same name is: one value per line (and per comma where
  // the input takes commas), so a line the summary suggests works in either place.
  const strings = (key: string, comma = false): string[] | undefined => {
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    const values = typeof value === 'string' ? inputs.list(value, { comma }) : value;
    if (
      !Array.isArray(values) ||
      (typeof value === 'string' && values.length === 0) ||
      values.some((item) => typeof item !== 'string' || item.trim() === '')
    ) {
      throw fail(`'${key}' must be a string or a list of strings`);
    }
    return values.map((item: string) => item.trim());
  };
  const licenseList = (): string[] | undefined => {
    const list = strings('license', true);
    if (list !== undefined && list.length === 0) throw fail(`'license' must name at least one license`);
    return list;
  };
  // A string holds one holder per line; a list one per item.
  const holders = (key: string): string[] | undefined => {
    const value = record[key];
    const lines = typeof value === 'string' ? value.split(/\r?\n/) : strings(key);
    const list = lines?.map((line) => line.trim()).filter((line) => line !== '');
    if (list !== undefined && list.length === 0) throw fail(`'${key}' must name at least one holder`);
    return list;
  };
  const choice = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const value = text_(key);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw fail(`'${key}' must be one of ${allowed.join('|')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  };
  return {
    scope: choice('scope', SCOPES),
    copyrightHolders: holders('copyright-holder'),
    licenses: licenseList(),
    yearRule: choice('year-rule', YEAR_RULES),
    ignore: strings('ignore') ?? [],
    unknownTypes: choice('unknown-types', UNKNOWN_TYPES),
    fileTypes: parseFileTypes(record['file-types'], fail),
  };
}

function parseFileTypes(value: unknown, fail: (message: string) => Error): TypeMapping[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw fail(`'file-types' must map globs to a comment style (${STYLE_IDS.join('|')}|skip)`);
  }
  const styles = [...STYLE_IDS, 'skip'];
  return Object.entries(value as Record<string, unknown>).map(([pattern, spec]) => {
    const entry = typeof spec === 'string' ? { comment: spec } : spec;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw fail(`'file-types.${pattern}' must be a style name or {comment, prolog}`);
    }
    const { comment, prolog, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0)
      throw fail(`'file-types.${pattern}' has unknown keys ${Object.keys(rest).join(', ')}`);
    if (typeof comment !== 'string' || !styles.includes(comment)) {
      throw fail(
        `'file-types.${pattern}' comment style must be one of ${styles.join('|')}, got ${JSON.stringify(comment)}`,
      );
    }
    const mapping: TypeMapping = { pattern, style: comment as CommentStyleId | 'skip' };
    if (prolog !== undefined) {
      const kinds = typeof prolog === 'string' ? [prolog] : prolog;
      if (!Array.isArray(kinds) || kinds.some((kind) => !(PROLOG_KINDS as readonly unknown[]).includes(kind))) {
        throw fail(`'file-types.${pattern}.prolog' must list prolog kinds from ${PROLOG_KINDS.join('|')}`);
      }
      mapping.prolog = kinds as PrologKind[];
    }
    return mapping;
  });
}

export interface Settings {
  scope: Scope;
  baseSha?: string;
  headSha?: string;
  token?: string;
  /** Accepted copyright holders; the first is the one fix mode writes. */
  holders: string[];
  licenses: string[];
  yearRule: YearRule;
  ignore: string[];
  unknownTypes: UnknownTypes;
  fix: boolean;
  /** The most annotations of each level (error, warning) the step writes. */
  maxAnnotations: number;
  fileTypes: TypeMapping[];
  sarifFile?: string;
  jsonFile?: string;
}

/** Merge inputs over the config file over the defaults, and validate the license lists. */
export async function resolveSettings(
  action: ActionInputs,
  config: ConfigFile | undefined,
  configPath = 'config',
): Promise<Settings> {
  const licenses = action.licenses
    ? await validateLicenses(action.licenses, (message) => new InputError('license', `Input 'license' ${message}`))
    : config?.licenses
      ? await validateLicenses(
          config.licenses,
          (message) => new ConfigError(`Config file ${configPath}: 'license' ${message}`),
        )
      : [DEFAULT_LICENSE];
  return {
    scope: action.scope ?? config?.scope ?? 'changed',
    baseSha: action.baseSha,
    headSha: action.headSha,
    token: action.token,
    holders: action.copyrightHolders ?? config?.copyrightHolders ?? [DEFAULT_HOLDER],
    licenses,
    yearRule: action.yearRule ?? config?.yearRule ?? 'changed',
    ignore: [...(config?.ignore ?? []), ...action.ignore],
    unknownTypes: action.unknownTypes ?? config?.unknownTypes ?? 'warn',
    fix: action.fix,
    maxAnnotations: action.maxAnnotations,
    fileTypes: config?.fileTypes ?? [],
    sarifFile: action.sarifFile,
    jsonFile: action.jsonFile,
  };
}
