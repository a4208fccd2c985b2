// `node test/functions/load-trace.mjs <trace file>` loads the Functions app from its sources as the
// host would (functions/index.js), starts its telemetry as the first invocation does, and lists in
// the trace file every module that was loaded (the CLI's hooks, test/cli/load-trace-hooks.mjs).
import { writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { performance } from 'node:perf_hooks';

const [traceFile] = process.argv.slice(2);
writeFileSync(traceFile, '');
register('../cli/load-trace-hooks.mjs', { parentURL: import.meta.url, data: { traceFile } });
const started = performance.now();
await import('../../functions/index.js');
const { telemetryReady } = await import('../../functions/telemetry.js');
const pipeline = await telemetryReady();
process.stdout.write(JSON.stringify({ ms: Math.round(performance.now() - started), telemetry: pipeline !== undefined }));
await pipeline?.shutdown();
