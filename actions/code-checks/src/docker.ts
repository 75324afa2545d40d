/** The `docker run` argument array that runs one check in the image, with the checkout mounted. Pure. */

export interface DockerRun {
  image: string;
  /** The container's name, so a stopped check can be removed with `docker rm --force`. */
  name: string;
  /** The workspace on the runner and where it is mounted. */
  workspace: string;
  containerWorkspace: string;
  /** The project folder, relative to the workspace ('' for the root). */
  workingDirectory: string;
  /** `--user` value, or undefined to keep the image's USER. */
  user?: string;
  /**
   * HOME in the container (given on the command line: it is no secret, and the docker client's
   * own HOME must stay, since its registry login lives there).
   */
  home?: string;
  /** Names only: docker reads each value from its own environment, so values never reach argv. */
  envNames: string[];
  options: string[];
  argv: string[];
}

export function dockerRunArgv(run: DockerRun): string[] {
  const workdir =
    run.workingDirectory === '' ? run.containerWorkspace : `${run.containerWorkspace}/${run.workingDirectory}`;
  const args = ['run', '--rm', '--init', '--name', run.name];
  args.push('--mount', mountSpec(run.workspace, run.containerWorkspace));
  args.push('--workdir', workdir);
  if (run.user !== undefined) args.push('--user', run.user);
  if (run.home !== undefined) args.push('--env', `HOME=${run.home}`);
  for (const name of run.envNames) args.push('--env', name);
  args.push(...run.options, run.image, ...run.argv);
  return args;
}

/**
 * `--mount` takes CSV: a field with a comma or a quote is quoted, quotes doubled. `-v` would
 * break on a colon in a path; `--mount` only needs this quoting.
 */
export function mountSpec(source: string, target: string): string {
  const fields = ['type=bind', `source=${source}`, `target=${target}`];
  return fields.map((field) => (/[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(',');
}

/** A container name docker accepts: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
export function containerName(parts: readonly (string | number)[]): string {
  const name = parts
    .map(String)
    .join('-')
    .replace(/[^a-zA-Z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '');
  return (name || 'code-checks').slice(0, 120);
}
