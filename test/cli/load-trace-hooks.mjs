// Module hooks for load-trace.mjs: run the CLI's TypeScript sources without a build (a `.js`
// specifier that has only a `.ts` file beside it resolves to the `.ts`, transpiled on load) and
// append every module URL resolved to the file named at initialize, synchronously, so nothing
// is lost when the process exits.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

let traceFile;

export function initialize(data) {
  traceFile = data.traceFile;
}

export async function resolve(specifier, context, next) {
  let result;
  try {
    result = await next(specifier, context);
  } catch (err) {
    if (!specifier.startsWith('.') || !specifier.endsWith('.js')) throw err;
    const ts = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (!existsSync(fileURLToPath(ts))) throw err;
    result = { url: ts.href, shortCircuit: true };
  }
  appendFileSync(traceFile, `${result.url}\n`);
  return result;
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = readFileSync(fileURLToPath(url), 'utf8');
  const out = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
