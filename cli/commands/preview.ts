// hrsync preview: the BulkRequests that would be sent, one JSON request per line.
import { scanExtract } from '../../lib/convert/convert.js';
import { OperationStore } from '../../lib/convert/operation-store.js';
import { TempFileSpool } from '../../lib/convert/spool.js';
import { readCandidates } from '../../lib/delta/managers.js';
import { managersFirst } from '../../lib/delta/order.js';
import { BulkBatcher, DEFAULT_BATCH_LIMITS, checkBatchLimits } from '../../lib/scim/bulk.js';
import type { BulkBatch } from '../../lib/scim/bulk.js';
import { formatProblem } from '../../lib/scim/problem.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { openInputs, positiveInt } from '../inputs.js';
import type { ReadFlags } from '../inputs.js';
import { summaryLines } from '../report.js';

export interface PreviewFlags extends ReadFlags {
  limit?: string;
  batchSize?: string;
  maxBytes?: string;
}

/** Runs `hrsync preview`; returns the exit code. */
export async function previewCommand(extractPath: string, flags: PreviewFlags, io: Console2): Promise<number> {
  const limit = positiveInt('--limit', flags.limit);
  const limits = batchLimits(flags);
  const { extract, mapping } = await openInputs(extractPath, flags);
  const spool = new TempFileSpool();
  const store = new OperationStore();
  try {
    // Everyone the extract names, rejected rows included, as hrsync sync counts them.
    const present = new Set<string>();
    const scan = await scanExtract(extract, mapping, {
      spool,
      limit,
      limits,
      onProblem: (p) => {
        if (p.severity === 'error' && p.externalId !== undefined) present.add(p.externalId);
        io.err.write(`${formatProblem(p)}\n`);
      },
    });
    // What hrsync sync would send: a report whose manager's row is rejected goes without the reference
    // (preview has no ledger, so, like a sync without one, it does not know whom the directory holds).
    const released = await readCandidates(spool.read(), scan, present, undefined, store);
    for (const w of released.warnings) io.err.write(`${formatProblem(w)}\n`);
    // In the order hrsync sync sends them — managers before their reports, file order within a
    // level — so what preview shows is what would go, request by request.
    const queued = released.candidates;
    let requests = 0;
    const write = async (batch: BulkBatch | undefined): Promise<void> => {
      if (batch === undefined) return;
      requests++;
      await writeOut(io.out, batch.body);
      await writeOut(io.out, '\n');
    };
    const batcher = new BulkBatcher(limits);
    for (const q of managersFirst(queued)) await write(batcher.add({ externalId: q.externalId, line: q.line, json: await store.read(q.stored) }));
    await write(batcher.flush());
    io.err.write(`${summaryLines(scan, requests).join('\n')}\n`);
    return scan.rejected > 0 ? EXIT_PROBLEMS : EXIT_OK;
  } finally {
    await spool.dispose();
    await store.dispose();
  }
}

/** Batch limits from --batch-size and --max-bytes, never above the API's 50. */
export function batchLimits(flags: { batchSize?: string; maxBytes?: string }): typeof DEFAULT_BATCH_LIMITS {
  try {
    return checkBatchLimits({
      maxOperations: positiveInt('--batch-size', flags.batchSize) ?? DEFAULT_BATCH_LIMITS.maxOperations,
      maxBytes: positiveInt('--max-bytes', flags.maxBytes) ?? DEFAULT_BATCH_LIMITS.maxBytes,
    });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message.replace(/^batch size/, '--batch-size').replace(/^batch byte cap/, '--max-bytes'));
    throw err;
  }
}
