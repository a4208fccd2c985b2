// The app's functions, for the local runner and the tests; the host loads each file itself.
import { ingest } from './ingest.js';
import { reconcile } from './reconcile.js';
import { upload } from './upload.js';

export const definitions = [ingest, upload, reconcile] as const;
