export * from './sources.js';
export * from './file.js';
