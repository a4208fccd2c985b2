// hrsync validate: read, map and check every row; report, send nothing.
import { scanExtract } from '../../lib/convert/convert.js';
import type { OperationSpool } from '../../lib/convert/spool.js';
import { unknownManagerWarnings } from '../../lib/delta/managers.js';
import type { ManagerRef } from '../../lib/delta/managers.js';
import { managerOf } from '../../lib/delta/order.js';
import type { SerializedOperation } from '../../lib/scim/bulk.js';
import { formatProblem } from '../../lib/scim/problem.js';
import type { Problem } from '../../lib/scim/problem.js';
import { EXIT_OK, EXIT_PROBLEMS } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { openInputs, positiveInt } from '../inputs.js';
import type { ReadFlags } from '../inputs.js';
import { summaryLines, toReport } from '../report.js';

export interface ValidateFlags extends ReadFlags {
  json?: boolean;
  limit?: string;
}

// Keeps each valid row's manager and everyone the file names, not the operations.
class ManagerRefs implements OperationSpool {
  readonly refs: ManagerRef[] = [];
  readonly present = new Set<string>();
  write(op: SerializedOperation): void {
    this.present.add(op.externalId);
    const managerId = managerOf(op.json);
    if (managerId !== undefined) this.refs.push({ externalId: op.externalId, line: op.line, managerId });
  }
  async *read(): AsyncIterable<SerializedOperation> {}
  async dispose(): Promise<void> {}
}

/** Runs `hrsync validate`; returns the exit code. */
export async function validateCommand(extractPath: string, flags: ValidateFlags, io: Console2): Promise<number> {
  const limit = positiveInt('--limit', flags.limit);
  const { extract, mapping } = await openInputs(extractPath, flags);
  const problems: Problem[] = [];
  const pending: Promise<void>[] = [];
  const refs = new ManagerRefs();
  const onProblem = (p: Problem): void => {
    if (p.externalId !== undefined) refs.present.add(p.externalId);
    if (flags.json === true) problems.push(p);
    else {
      const w = writeOut(io.out, `${formatProblem(p)}\n`);
      if (w !== undefined) pending.push(w);
    }
  };
  const scan = await scanExtract(extract, mapping, { spool: refs, limit, onProblem });
  // A manager may sit on a later row: only once the whole file is read can one be said to be missing.
  // Without the pipeline's ledger, validate cannot ask People; ingest and hrsync sync (with it) do.
  if (!scan.truncated) for (const p of await unknownManagerWarnings(scan.file, refs.refs, refs.present, undefined)) onProblem(p);
  await Promise.all(pending);
  if (flags.json === true) await writeOut(io.out, `${JSON.stringify(toReport(scan, mapping.source, problems), null, 2)}\n`);
  else await writeOut(io.out, `${summaryLines(scan).join('\n')}\n`);
  return scan.rejected > 0 ? EXIT_PROBLEMS : EXIT_OK;
}
