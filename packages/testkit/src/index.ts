export * from './fake-github.js';
export * from './fake-kubernetes.js';
export * from './fake-openai.js';
export * from './fake-slack.js';
export * from './files.js';
export * from './git-repo.js';
export * from './http.js';
export * from './runner.js';
