export * from './overrides.js';
export * from './pipeline.js';
export * from './render.js';
export * from './tools.js';
