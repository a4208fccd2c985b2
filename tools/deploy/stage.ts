// `npm run stage`: builds the deployment package in .deploy/ (azure.yaml's dist), which azd zips
// through .deploy/.funcignore. azd runs it as the service's prepackage hook, after its own
// `npm install` and `npm run build` in the project.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageListing, stagePackage } from './package.js';
import type { DependencySource } from './package.js';

export const STAGE_DIR = '.deploy';

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const args = process.argv.slice(2);
  const root = resolve(args.find((a) => !a.startsWith('--')) ?? '.');
  const out = join(root, STAGE_DIR);
  // --copy skips the network: production packages are copied from ./node_modules as the lockfile lays them out.
  const dependencies: DependencySource = args.includes('--copy') ? 'copy' : 'install';
  try {
    stagePackage(root, out, dependencies);
    const listing = packageListing(out);
    const bytes = listing.reduce((sum, f) => sum + f.bytes, 0);
    console.log(`${out}: ${listing.length} files, ${(bytes / 1e6).toFixed(1)} MB (dist/functions, dist/lib, host.json, package.json, package-lock.json, production node_modules)`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
