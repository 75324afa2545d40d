export const repoRoot: string;
export const exampleDir: string;
export const HEADER: string;
export const CHANGES: Record<string, { message: string; files: Record<string, string | ((old: string) => string)> }>;
export interface ExampleRepo {
  dir: string;
  git(args: readonly string[]): string;
  write(files: Record<string, string>): ExampleRepo;
  commit(message: string, options?: { date?: string }): string;
}
export function createExampleRepo(dir?: string): { repo: ExampleRepo; base: string };
export function applyChange(
  repo: ExampleRepo,
  change: string | { message: string; files: Record<string, string> },
): string;
