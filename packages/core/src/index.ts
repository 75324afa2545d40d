export * from './action.js';
export * from './errors.js';
export * from './exec.js';
export * from './git.js';
export * from './github.js';
export * as inputs from './inputs.js';
export * from './retry.js';
export * from './runner.js';
export * from './summary.js';
