// Extract → validated SCIM operations → BulkRequests: the engine behind `validate`,
// `preview`, `sync` and the ingest stage. One streaming pass reads, maps, validates and
// spools each row (for CSV, on two threads: see scan-channel.ts); duplicates found on the
// way withdraw earlier rows; then the spool is batched. A bad row is reported and never
// stops the good ones.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Extract } from '../extract/types.js';
import type { Mapping } from '../mapping/types.js';
import { BulkBatcher, ByteBatcher, DEFAULT_BATCH_LIMITS, checkBatchLimits } from '../scim/bulk.js';
import type { BatchLimits, BulkBatch } from '../scim/bulk.js';
import type { Problem } from '../scim/problem.js';
import { RowScanner } from './row-scan.js';
import type { RowScanTotals, WarningCount } from './row-scan.js';
import { ScanClient } from './scan-channel.js';
import type { ChannelScan } from './scan-channel.js';
import { DiscardSpool } from './spool.js';
import type { OperationSpool, RecordBlockSource } from './spool.js';
import { RECORD_HEADER } from './spool-records.js';

export interface ScanOptions {
  /** Where valid operations wait for batching. */
  spool: OperationSpool;
  /** Called for every error, and for the first of each kind of warning (see ScanResult.warnings). */
  onProblem: (problem: Problem) => void;
  /** Read at most this many data rows. */
  limit?: number;
  limits?: BatchLimits;
}

export type { WarningCount } from './row-scan.js';

export interface ScanResult {
  file: string;
  format: Extract['format'];
  encoding: Extract['encoding'];
  delimiter?: Extract['delimiter'];
  /** Data rows read. */
  rows: number;
  /** Rows that will be sent (after duplicates are withdrawn). */
  valid: number;
  /** Rows rejected, each counted once however many problems it has. */
  rejected: number;
  /** Error problems reported. */
  errors: number;
  warnings: WarningCount[];
  /** externalIds that appear on more than one row. */
  duplicateIds: number;
  /** JSON sources: mapped columns that no row had. */
  unseenColumns: string[];
  /** Whether the scan stopped at `limit` before the end of the file. */
  truncated: boolean;
  /** externalIds withdrawn after being spooled; skip them when reading the spool. */
  withdrawn: ReadonlySet<string>;
}

/** Reads every row of an extract through the mapping and validation, spooling valid operations. */
export async function scanExtract(extract: Extract, mapping: Mapping, options: ScanOptions): Promise<ScanResult> {
  const limits = checkBatchLimits(options.limits ?? DEFAULT_BATCH_LIMITS);
  const mapper = mapping.bind(extract.columns, extract.file);
  const limit = options.limit ?? Infinity;
  const worker = workerEntry(extract, mapping);
  if (worker !== undefined) {
    const scan = await scanInWorker(worker, extract, mapping, { ...options, limit, limits });
    return result(extract, scan.rows, scan.truncated, scan.totals, scan.unseenColumns);
  }
  const scanner = new RowScanner(extract.file, mapper, mapping.attributes, limits, options.onProblem, (op) => options.spool.write(op));
  let rows = 0;
  let truncated = false;
  for await (const row of extract.rows) {
    if (rows >= limit) {
      truncated = true;
      break;
    }
    rows++;
    const pending = scanner.row(row);
    if (pending !== undefined) await pending;
  }
  return result(extract, rows, truncated, scanner.finish(), mapper.unseenColumns());
}

// The worker's script, when a second thread is worth it: CSV rows (which post cheaply), a
// mapping with its document (the worker compiles its own), a second CPU, and a compiled
// build (under a TypeScript test runner the script does not exist, and one thread is used).
const WORKER_SCRIPT = new URL('./scan-worker.js', import.meta.url);
let workerScript: boolean | undefined;
const WORKER_YOUNG_GENERATION_MB = 8;

function workerEntry(extract: Extract, mapping: Mapping): URL | undefined {
  if (extract.format !== 'csv' || mapping.document === undefined || availableParallelism() < 2) return undefined;
  workerScript ??= WORKER_SCRIPT.protocol === 'file:' && existsSync(fileURLToPath(WORKER_SCRIPT));
  return workerScript ? WORKER_SCRIPT : undefined;
}

async function scanInWorker(script: URL, extract: Extract, mapping: Mapping, options: ScanOptions & { limit: number; limits: BatchLimits }): Promise<ChannelScan> {
  // The worker holds one batch of rows at a time: a small young generation is all it needs,
  // and the default one (tens of MB) would only add to the process's footprint.
  const worker = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  const client = new ScanClient(worker);
  worker.on('error', (error) => client.fail(error));
  worker.on('exit', (code) => client.fail(new Error(`the scan worker stopped (exit code ${code})`)));
  try {
    return await client.scan(extract, mapping, { ...options, keep: !(options.spool instanceof DiscardSpool) });
  } finally {
    await worker.terminate();
  }
}

function result(extract: Extract, rows: number, truncated: boolean, totals: RowScanTotals, unseenColumns: string[]): ScanResult {
  return {
    file: extract.file,
    format: extract.format,
    encoding: extract.encoding,
    delimiter: extract.delimiter,
    rows,
    valid: totals.valid,
    rejected: totals.rejected,
    errors: totals.errors,
    warnings: totals.warnings,
    duplicateIds: totals.duplicateIds,
    unseenColumns,
    truncated,
    withdrawn: new Set(totals.withdrawn),
  };
}

/** Batches what a scan spooled into BulkRequests, leaving out withdrawn records. */
export async function* batchSpool(spool: OperationSpool, withdrawn: ReadonlySet<string>, limits: BatchLimits = DEFAULT_BATCH_LIMITS): AsyncGenerator<BulkBatch> {
  if (hasBlocks(spool)) {
    yield* batchBlocks(spool, withdrawn, limits);
    return;
  }
  const batcher = new BulkBatcher(limits);
  for await (const op of spool.read()) {
    if (withdrawn.size > 0 && withdrawn.has(op.externalId)) continue;
    const closed = batcher.add(op);
    if (closed !== undefined) yield closed;
  }
  const last = batcher.flush();
  if (last !== undefined) yield last;
}

function hasBlocks(spool: OperationSpool): spool is OperationSpool & RecordBlockSource {
  return typeof (spool as Partial<RecordBlockSource>).blocks === 'function';
}

// Requests straight from the spool's bytes: only each record's externalId is decoded.
async function* batchBlocks(spool: RecordBlockSource, withdrawn: ReadonlySet<string>, limits: BatchLimits): AsyncGenerator<BulkBatch> {
  const batcher = new ByteBatcher(limits);
  const check = withdrawn.size > 0;
  for await (const block of spool.blocks()) {
    const end = block.length;
    for (let at = 0; at < end;) {
      const idStart = at + RECORD_HEADER;
      const jsonStart = idStart + block.readUInt32LE(at + 4);
      const jsonEnd = jsonStart + block.readUInt32LE(at + 8);
      const externalId = block.toString('utf8', idStart, jsonStart);
      if (!check || !withdrawn.has(externalId)) {
        const batch = batcher.add(externalId, block.readUInt32LE(at), block, jsonStart, jsonEnd);
        if (batch !== undefined) yield batch;
      }
      at = jsonEnd;
    }
  }
  const last = batcher.flush();
  if (last !== undefined) yield last;
}
