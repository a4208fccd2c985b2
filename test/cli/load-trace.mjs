// `node test/cli/load-trace.mjs <trace file> <hrsync arguments…>` runs the CLI from its sources
// and lists in the trace file every module it loaded: ES modules as resolved, CommonJS files as
// required (a package's own require() calls never reach the ES module hooks).
import { appendFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const [traceFile, ...argv] = process.argv.slice(2);
writeFileSync(traceFile, '');
register('./load-trace-hooks.mjs', { parentURL: import.meta.url, data: { traceFile } });
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  appendFileSync(traceFile, `cjs:${request}\n`);
  return load.call(this, request, parent, isMain);
};
const { main } = await import('../../cli/main.js');
process.exitCode = await main(argv);
