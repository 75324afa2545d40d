/**
 * The filters file: named, ordered lists of glob patterns read from YAML (a file or inline text),
 * each pattern with the line it comes from (for lint findings and annotations).
 *
 * YAML anchors and aliases work as upstream's `.github/filters.yaml` uses them
 * (`ci: &ci [...]`, `core: [*ci, ...]`): nested lists are flattened in place, and a pattern that
 * came in through an alias keeps both lines, the alias's and its own.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';

export interface FilterPattern {
  /** The glob without its leading `!`. */
  glob: string;
  negated: boolean;
  /** The 1-based line where the pattern enters its group (the alias line for `*anchor` items). */
  line: number | undefined;
  /** The line where the pattern is written, when it came in through an alias. */
  sourceLine?: number;
}

/**
 * What a filter may be called: its name becomes an output name (`steps.changes.outputs.<name>`,
 * so it starts as an expression's property name must), and a newline or `=` in it could write
 * outputs of other names.
 */
export const FILTER_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export interface FilterGroup {
  name: string;
  /** The line of the group's key. */
  line: number | undefined;
  patterns: FilterPattern[];
}

export interface FilterConfig {
  /** The filters file as given (for messages and annotations); undefined for inline YAML. */
  file: string | undefined;
  groups: FilterGroup[];
}

/**
 * Read filters from `value`: the path of a YAML file (relative to `cwd`), or inline YAML when no
 * such file exists and the text is a YAML mapping. A missing file is a ConfigError naming it.
 */
export function loadFilters(value: string, cwd: string, inputName = 'filters'): FilterConfig {
  const trimmed = value.trim();
  const looksInline = trimmed.includes('\n') || /^[^\s#][^:\n]*:(\s|$)/.test(trimmed);
  const path = isAbsolute(trimmed) ? trimmed : resolve(cwd, trimmed);
  if (!looksInline || (existsSync(path) && statSync(path).isFile())) {
    if (!existsSync(path)) {
      throw new ConfigError(
        `The filters file ${trimmed} does not exist (input '${inputName}', looked in ${cwd}). ` +
          'Create it, or pass the filters as inline YAML.',
      );
    }
    return parseFilters(readFileSync(path, 'utf8'), trimmed);
  }
  return parseFilters(value, undefined);
}

/** Parse filters YAML. `file` names the source in errors; undefined means inline YAML. */
export function parseFilters(text: string, file?: string): FilterConfig {
  const where = file ?? "the inline 'filters'";
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, schema: 'failsafe', uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0]?.line;
    throw new ConfigError(
      `${where}${line ? ` line ${line}` : ''} is not valid YAML: ${firstError.message.split('\n')[0]}`,
    );
  }
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;

  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    throw new ConfigError(`${where} defines no filters: write \`name: [glob, ...]\` entries.`);
  }
  if (!isMap(root)) {
    throw new ConfigError(`${where} must be a mapping of filter names to lists of glob patterns.`);
  }
  const groups: FilterGroup[] = [];
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const name = isScalar(keyNode) ? String(keyNode.value ?? '') : '';
    const line = lineOf(keyNode);
    if (name === '') throw new ConfigError(`${where} line ${line ?? '?'}: a filter needs a name.`);
    if (!FILTER_NAME.test(name)) {
      throw new ConfigError(
        `${where} line ${line ?? '?'}: filter name ${JSON.stringify(name)} cannot be an output name (each filter ` +
          "sets the step output of its name); use only letters, digits, '_' and '-', starting with a letter or '_'.",
      );
    }
    const patterns: FilterPattern[] = [];
    const collect = (node: unknown, aliasLine: number | undefined, depth: number): void => {
      if (depth > 20) throw new ConfigError(`${where} line ${line}: filter '${name}' nests aliases too deeply.`);
      if (node === null || node === undefined) return;
      if (isAlias(node)) {
        collect(node.resolve(doc), aliasLine ?? lineOf(node), depth + 1);
        return;
      }
      if (isSeq(node)) {
        for (const item of node.items) collect(item, aliasLine, depth + 1);
        return;
      }
      if (isScalar(node)) {
        const raw = node.value === null ? '' : String(node.value).trim();
        const ownLine = lineOf(node);
        if (raw === '' || raw === '!') {
          throw new ConfigError(`${where} line ${ownLine ?? line}: filter '${name}' has an empty pattern.`);
        }
        const negated = raw.startsWith('!');
        // micromatch drops a leading `./` from patterns; paths never have one.
        const glob = (negated ? raw.slice(1) : raw).replace(/^(\.\/)+/, '');
        const pattern: FilterPattern = { glob, negated, line: aliasLine ?? ownLine };
        if (aliasLine !== undefined) pattern.sourceLine = ownLine;
        patterns.push(pattern);
        return;
      }
      throw new ConfigError(
        `${where} line ${lineOf(node as Node) ?? line}: filter '${name}' must be a list of glob patterns (strings).`,
      );
    };
    collect(pair.value, undefined, 0);
    groups.push({ name, line, patterns });
  }
  return { file, groups };
}
