// The deployment package (issue 15), built as `azd deploy` builds it: dist/ compiled, the tree
// filtered by .funcignore, production dependencies laid out as `npm ci --omit=dev` lays them out
// (copied from node_modules per package-lock.json, so no network), the result filtered by
// .funcignore again as azd zips it. It holds only what the host runs, every runtime import of the
// functions resolves inside it, and it stays under its measured size.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageListing, productionPackages, readFuncignore, stagePackage } from '../../tools/deploy/package.js';
import type { PackageEntry } from '../../tools/deploy/package.js';
import { STAGE_DIR } from '../../tools/deploy/stage.js';

const ROOT = process.cwd();
// Measured 34.4 MB in 5,302 files (0.66 MB of it ours); the bounds leave room for dependency updates.
const MAX_BYTES = 40_000_000;
const MAX_FILES = 6_500;
const MAX_OWN_BYTES = 1_500_000;

let dir: string;
let listing: PackageEntry[];
let files: Set<string>;

beforeAll(async () => {
  // Built first (tsc -b: nothing to do when dist is current), as azd runs `npm run build` before packaging.
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'], { cwd: ROOT });
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'hrsync-package-')));
  stagePackage(ROOT, dir, 'copy');
  listing = packageListing(dir);
  files = new Set(listing.map((f) => f.path));
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };

/** The files the host loads: package.json's main glob (dist/functions/*.js). */
function entryPoints(): string[] {
  const glob = packageJson.main;
  expect(glob).toBe('dist/functions/*.js');
  return [...files].filter((f) => posix.dirname(f) === 'dist/functions' && f.endsWith('.js'));
}

// Specifiers in tsc's output: static imports and re-exports, side-effect imports, dynamic
// imports with a literal, and files opened by URL (the worker thread's script).
const SPECIFIERS = [
  /\bfrom\s*['"]([^'"]+)['"]/g,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bnew URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
];

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

/** Follows every relative import from the entry points; returns the files reached, bare packages used and what is missing. */
function trace(): { reached: Set<string>; packages: Set<string>; missing: string[] } {
  const reached = new Set<string>();
  const packages = new Set<string>();
  const missing: string[] = [];
  const queue = entryPoints();
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (reached.has(file)) continue;
    reached.add(file);
    const source = readFileSync(join(dir, file), 'utf8');
    for (const pattern of SPECIFIERS) {
      for (const m of source.matchAll(pattern)) {
        const specifier = m[1] as string;
        if (specifier.startsWith('.')) {
          const target = posix.normalize(posix.join(posix.dirname(file), specifier));
          if (files.has(target)) queue.push(target);
          else missing.push(`${file} → ${specifier}`);
        } else if (!isBuiltin(specifier)) {
          packages.add(packageName(specifier));
        }
      }
    }
  }
  return { reached, packages, missing };
}

describe('the deployment package', () => {
  it('holds the compiled functions and lib/, host.json, package.json, the lockfile and node_modules, nothing else at the top', () => {
    const top = new Set(listing.map((f) => f.path.split('/')[0]));
    expect([...top].sort()).toEqual(['dist', 'host.json', 'node_modules', 'package-lock.json', 'package.json']);
    const built = new Set(listing.filter((f) => f.path.startsWith('dist/')).map((f) => f.path.split('/')[1]));
    expect([...built].sort()).toEqual(['functions', 'lib']);
    for (const name of ['index', 'ingest', 'upload', 'reconcile']) expect(files.has(`dist/functions/${name}.js`), name).toBe(true);
    expect(files.has('dist/lib/convert/scan-worker.js')).toBe(true);
  });

  it('leaves out tests, tools, benchmarks, docs, samples, source maps, build info and local output', () => {
    const forbidden =
      /^(test|tools|bench|docs|samples|cli|schema|infra|bin|local-reports|local-drop|coverage|\.ci|\.git|\.deploy|dist\/(cli|tools|bench|samples|test))(\/|$)|\.(map|ts|mts|cts|tsbuildinfo)$|(^|\/)(local\.settings(\.example)?\.json|\.env|azure\.yaml|tsconfig[^/]*\.json|vitest\.config\.[jt]s|eslint\.config\.js|\.funcignore)$|^bench\/out\//;
    expect(listing.filter((f) => forbidden.test(f.path)).map((f) => f.path)).toEqual([]);
  });

  it('holds every production dependency and no development one', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
    const production = productionPackages(ROOT).map((p) => p.path);
    for (const path of production) expect(files.has(`${path}/package.json`), path).toBe(true);
    for (const name of Object.keys(packageJson.dependencies)) expect(files.has(`node_modules/${name}/package.json`), name).toBe(true);
    const dev = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.dev === true)
      .map(([path]) => path);
    expect(dev.length).toBeGreaterThan(100);
    expect(dev.filter((path) => files.has(`${path}/package.json`))).toEqual([]);
    for (const name of ['typescript', 'vitest', 'azurite', 'eslint', 'playwright-core', 'ignore']) expect(files.has(`node_modules/${name}/package.json`), name).toBe(false);
    // The deployment installs with --ignore-scripts (the root's prepare compiles TypeScript).
    expect(production.filter((path) => lock.packages[path]?.hasInstallScript === true)).toEqual([]);
  });

  it("resolves every runtime import of the functions inside itself, the worker thread's script included", () => {
    const { reached, packages, missing } = trace();
    expect(missing).toEqual([]);
    expect(reached.has('dist/lib/convert/scan-worker.js')).toBe(true);
    expect(reached.size).toBeGreaterThan(50);
    // Every package the code imports is a declared production dependency, not one that happens to be hoisted.
    expect([...packages].filter((name) => !(name in packageJson.dependencies))).toEqual([]);
    for (const name of packages) expect(files.has(`node_modules/${name}/package.json`), name).toBe(true);
  });

  it("loads with Node's own resolution from inside the package, lazily imported packages included", () => {
    const { packages } = trace();
    const log = join(mkdtempSync(join(tmpdir(), 'hrsync-resolve-')), 'resolved.txt');
    // Every module Node resolves (ES modules through a resolve hook, CommonJS ones from require.cache).
    const hook = `import { appendFileSync } from 'node:fs';
      let log; export function initialize(data) { log = data.log; }
      export async function resolve(specifier, context, next) { const r = await next(specifier, context); appendFileSync(log, r.url + '\\n'); return r; }`;
    const script = `import { register, createRequire } from 'node:module';
      import { appendFileSync } from 'node:fs';
      import { pathToFileURL } from 'node:url';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { log: ${JSON.stringify(log)} } });
      for (const f of ${JSON.stringify(entryPoints())}) await import(pathToFileURL(f).href);
      for (const p of ${JSON.stringify([...packages])}) await import(p);
      appendFileSync(${JSON.stringify(log)}, Object.keys(createRequire(import.meta.url).cache).map((f) => pathToFileURL(f).href).join('\\n') + '\\n');`;
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const urls = readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'));
    rmSync(dirname(log), { recursive: true, force: true });
    const inside = `file://${dir}/`;
    expect(urls.filter((u) => !u.startsWith(inside))).toEqual([]);
    const loaded = new Set(urls.map((u) => decodeURIComponent(u.slice(inside.length))));
    expect(loaded.has('dist/functions/index.js')).toBe(true);
    expect(loaded.has('node_modules/@azure/functions/package.json') || [...loaded].some((f) => f.startsWith('node_modules/@azure/functions/'))).toBe(true);
    // Nothing loaded is a file the zip leaves out.
    expect([...loaded].filter((f) => !files.has(f))).toEqual([]);
  });

  it(`stays under ${MAX_BYTES / 1e6} MB and ${MAX_FILES} files, ${MAX_OWN_BYTES / 1e6} MB of it ours`, () => {
    const bytes = listing.reduce((sum, f) => sum + f.bytes, 0);
    const own = listing.filter((f) => !f.path.startsWith('node_modules/')).reduce((sum, f) => sum + f.bytes, 0);
    console.info(`deployment package: ${listing.length} files, ${(bytes / 1e6).toFixed(1)} MB (${(own / 1e6).toFixed(2)} MB outside node_modules)`);
    expect(bytes).toBeLessThan(MAX_BYTES);
    expect(listing.length).toBeLessThan(MAX_FILES);
    expect(own).toBeLessThan(MAX_OWN_BYTES);
  });

  it('is built here, not remotely: .funcignore keeps node_modules and azure.yaml zips the staged folder', () => {
    // azd turns remote build on when .funcignore leaves node_modules out; Oryx would then install
    // the dev dependencies and run `npm run build` without the TypeScript sources.
    expect(readFuncignore(ROOT).ignores('node_modules/')).toBe(false);
    const azure = readFileSync(join(ROOT, 'azure.yaml'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(azure).toContain('remoteBuild: false');
    expect(azure).toContain(`dist: ${STAGE_DIR}`);
    expect(azure).toContain('run: npm run stage');
  });
});
