export * from './fake-github.js';
export * from './files.js';
export * from './git-repo.js';
export * from './http.js';
export * from './runner.js';
