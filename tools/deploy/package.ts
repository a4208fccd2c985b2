// The Functions deployment package, built the way `azd deploy` ships it on Flex Consumption: the
// project tree filtered by .funcignore (gitignore semantics, as azd and Core Tools apply it), with
// production dependencies installed beside it, and the result filtered by .funcignore again when
// azd zips it. The deploy hook (stage.ts) and the package test use these same functions, so what
// the test measures is what is uploaded.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ignorePackage from 'ignore';
import type { Ignore } from 'ignore';

// ignore is CommonJS typed as an ES module: from ESM its callable export is the `default` it sets on itself.
const ignore = ignorePackage.default;

export const FUNCIGNORE = '.funcignore';

export interface PackageEntry {
  /** Path inside the package, with forward slashes. */
  path: string;
  bytes: number;
}

/** The rules of `dir`/.funcignore; a package without one would ship everything, so its absence is an error. */
export function readFuncignore(dir: string): Ignore {
  const file = join(dir, FUNCIGNORE);
  if (!existsSync(file)) throw new Error(`${file} is missing: without it the deployment would ship the whole tree`);
  // azd strips a byte order mark before parsing; so do we, or the first rule would never match.
  return ignore().add(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
}

/**
 * Every file under `dir` that a zip built through its .funcignore holds. Walks like azd's zipper:
 * an ignored directory is never entered, symbolic links are followed, and .funcignore itself,
 * local.settings.json and .azure/ are always left out.
 */
export function packageListing(dir: string, options: { rules?: Ignore; skipDependencies?: boolean } = {}): PackageEntry[] {
  const rules = options.rules ?? readFuncignore(dir);
  const entries: PackageEntry[] = [];
  const walk = (relative: string): void => {
    for (const name of readdirSync(join(dir, relative)).sort()) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const stats = statSync(join(dir, path));
      if (stats.isDirectory()) {
        if (name === '.azure' || (options.skipDependencies === true && path === 'node_modules')) continue;
        if (!rules.ignores(`${path}/`)) walk(path);
      } else if (name !== FUNCIGNORE && name !== 'local.settings.json' && !rules.ignores(path)) {
        entries.push({ path, bytes: stats.size });
      }
    }
  };
  walk('');
  return entries;
}

interface LockPackage {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

/**
 * The node_modules folders `npm ci --omit=dev` installs, read from package-lock.json: npm keeps the
 * lockfile's layout and only leaves out what is marked dev (devOptional packages are left out only
 * when optional ones are too).
 */
export function productionPackages(root: string): { path: string; optional: boolean }[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { lockfileVersion?: number; packages?: Record<string, LockPackage> };
  if (lock.packages === undefined)
    throw new Error(`${root}/package-lock.json has no "packages" (lockfileVersion ${lock.lockfileVersion ?? '?'}); regenerate it with npm 7 or later`);
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && p.dev !== true && p.link !== true)
    .map(([path, p]) => ({ path, optional: p.optional === true || p.devOptional === true }));
}

export type DependencySource =
  /** `npm ci --omit=dev` in the package folder: what a deployment runs. */
  | 'install'
  /** Copies of the lockfile's production packages from the project's own node_modules: the same files, without the network. */
  | 'copy';

/**
 * Builds the package folder `out` from the compiled project in `root`: the files .funcignore lets
 * through (dist/ must be built), .funcignore itself for azd's zipper, and production dependencies.
 */
export function stagePackage(root: string, out: string, dependencies: DependencySource): void {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files = packageListing(root, { skipDependencies: true });
  if (!files.some((f) => f.path.startsWith('dist/functions/'))) throw new Error(`${root}/dist/functions is empty: run npm run build first`);
  for (const { path } of [...files, { path: FUNCIGNORE }]) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    cpSync(join(root, path), join(out, path));
  }
  if (dependencies === 'install') {
    // --ignore-scripts: the root's prepare script compiles TypeScript, which is a dev dependency
    // and already done; no production dependency has an install script (the package test checks).
    const npm = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: out, stdio: 'inherit', shell: process.platform === 'win32' });
    if (npm.status !== 0) throw new Error(`npm ci --omit=dev in ${out} failed (exit ${npm.status ?? npm.signal ?? '?'})`);
    return;
  }
  const rules = readFuncignore(out);
  for (const { path, optional } of productionPackages(root)) {
    const from = join(root, path);
    if (!existsSync(from)) {
      if (optional) continue; // an optional package for another platform is not installed either
      throw new Error(`${path} is in package-lock.json but not installed: run npm ci`);
    }
    // A package's own node_modules holds packages the lockfile lists separately (some dev only);
    // what the zip would leave out is not copied, which halves the time.
    cpSync(from, join(out, path), {
      recursive: true,
      filter: (source) => {
        if (source === join(from, 'node_modules')) return false;
        const inPackage = relative(root, source).split(sep).join('/');
        return !rules.ignores(statSync(source).isDirectory() ? `${inPackage}/` : inPackage);
      },
    });
  }
}
