/**
 * The checks this action knows: for each, the tool's exact argument array (pure), the fixed
 * environment it runs with, and the parser that turns its output into findings.
 */
import { CargoCollector, CargoFmtCollector } from './parsers/cargo.js';
import { GoCollector, GoFmtCollector, GoTestCollector } from './parsers/go.js';
import { MypyCollector } from './parsers/mypy.js';
import { PreCommitCollector } from './parsers/pre-commit.js';
import type { Collector } from './parsers/types.js';

export const CHECK_NAMES = [
  'cargo-fmt',
  'cargo-clippy',
  'cargo-test',
  'mypy',
  'go-fmt',
  'go-vet',
  'go-test',
  'pre-commit',
] as const;

export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckOptions {
  features: string[] | 'all';
  noDefaultFeatures: boolean;
  mypyTargets: string[];
  goPackages: string[];
  /** The Go module path (from go.mod), to place `go test`'s file names; undefined without go.mod. */
  goModule?: string;
}

export interface CheckCommand {
  /** What the summary calls it: `cargo clippy`. */
  title: string;
  argv: string[];
  /** Fixed environment (no secrets: with docker these values are the docker CLI's). */
  env: Record<string, string>;
  collector: Collector;
  /**
   * Whether the check passed. Most tools say so with their exit code; gofmt exits 0 whatever it
   * finds, so any finding fails it.
   */
  passed(exitCode: number, errors: number): boolean;
}

const byExitCode = (exitCode: number) => exitCode === 0;

function featureArgs(options: CheckOptions): string[] {
  const args: string[] = [];
  if (options.features === 'all') args.push('--all-features');
  else if (options.features.length > 0) args.push('--features', options.features.join(','));
  if (options.noDefaultFeatures) args.push('--no-default-features');
  return args;
}

const CARGO_ENV = { CARGO_TERM_COLOR: 'never' };

export function checkCommand(name: CheckName, options: CheckOptions): CheckCommand {
  switch (name) {
    case 'cargo-fmt':
      return {
        title: 'cargo fmt',
        argv: ['cargo', 'fmt', '--all', '--check', '--', '--color', 'never'],
        env: CARGO_ENV,
        collector: new CargoFmtCollector(),
        passed: byExitCode,
      };
    case 'cargo-clippy':
      return {
        title: 'cargo clippy',
        argv: [
          'cargo',
          'clippy',
          '--locked',
          '--all-targets',
          '--message-format=json',
          ...featureArgs(options),
          '--',
          '-D',
          'warnings',
        ],
        env: CARGO_ENV,
        collector: new CargoCollector('clippy'),
        passed: byExitCode,
      };
    case 'cargo-test':
      return {
        title: 'cargo test',
        argv: ['cargo', 'test', '--locked', '--no-fail-fast', '--message-format=json', ...featureArgs(options)],
        env: CARGO_ENV,
        collector: new CargoCollector('test'),
        passed: byExitCode,
      };
    case 'mypy':
      return {
        title: 'mypy',
        argv: [
          'mypy',
          '--show-column-numbers',
          '--no-color-output',
          ...(options.mypyTargets.length > 0 ? ['--', ...options.mypyTargets] : []),
        ],
        env: {},
        collector: new MypyCollector(),
        passed: byExitCode,
      };
    case 'go-fmt':
      return {
        title: 'gofmt',
        argv: ['gofmt', '-d', '-e', '--', '.'],
        env: {},
        collector: new GoFmtCollector(),
        passed: (exitCode, errors) => exitCode === 0 && errors === 0,
      };
    case 'go-vet':
      return {
        title: 'go vet',
        argv: ['go', 'vet', '--', ...options.goPackages],
        env: {},
        collector: new GoCollector('go vet'),
        passed: byExitCode,
      };
    case 'go-test':
      return {
        title: 'go test',
        // No `--`: go test reads what follows the packages as the test binary's flags (the
        // patterns are checked not to look like flags instead).
        argv: ['go', 'test', '-json', ...options.goPackages],
        env: {},
        collector: new GoTestCollector(options.goModule),
        passed: byExitCode,
      };
    case 'pre-commit':
      return {
        title: 'pre-commit',
        argv: ['pre-commit', 'run', '--all-files', '--show-diff-on-failure', '--color=never'],
        env: {},
        collector: new PreCommitCollector(),
        passed: byExitCode,
      };
  }
}

/** The module path declared by a go.mod file, or undefined. */
export function goModulePath(goMod: string): string | undefined {
  const match = /^\s*module\s+("?)([^\s"]+)\1\s*(?:\/\/.*)?$/m.exec(goMod);
  return match?.[2];
}
