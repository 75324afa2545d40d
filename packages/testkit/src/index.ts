export {
  cannotStartDaemon,
  DOCKER_HOST_VARIABLE,
  type DockerDaemon,
  daemonDir,
  dockerForTests,
  localDocker,
  pingDocker,
  removeMountedTree,
  startDockerDaemon,
  stopDockerDaemon,
} from './docker-daemon.js';
export * from './fake-actions.js';
export * from './fake-github.js';
export * from './fake-helm.js';
export * from './fake-kubernetes.js';
export * from './fake-openai.js';
export * from './fake-search.js';
export * from './fake-slack.js';
export * from './files.js';
export * from './git-repo.js';
export * from './http.js';
export * from './local-action.js';
export * from './logger.js';
export * from './pipeline/index.js';
export * from './python-base.js';
export * from './registry.js';
export * from './runner.js';
export * from './scratch.js';
export * from './services.js';
export * from './workflow/index.js';
export * from './zip.js';
