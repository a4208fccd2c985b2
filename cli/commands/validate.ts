// hrsync validate: read, map and check every row; report, send nothing.
import { scanExtract } from '../../lib/convert/convert.js';
import { DiscardSpool } from '../../lib/convert/spool.js';
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

/** Runs `hrsync validate`; returns the exit code. */
export async function validateCommand(extractPath: string, flags: ValidateFlags, io: Console2): Promise<number> {
  const limit = positiveInt('--limit', flags.limit);
  const { extract, mapping } = await openInputs(extractPath, flags);
  const problems: Problem[] = [];
  const pending: Promise<void>[] = [];
  const scan = await scanExtract(extract, mapping, {
    spool: new DiscardSpool(),
    limit,
    onProblem: (p) => {
      if (flags.json === true) problems.push(p);
      else {
        const w = writeOut(io.out, `${formatProblem(p)}\n`);
        if (w !== undefined) pending.push(w);
      }
    },
  });
  await Promise.all(pending);
  if (flags.json === true) await writeOut(io.out, `${JSON.stringify(toReport(scan, mapping.source, problems), null, 2)}\n`);
  else await writeOut(io.out, `${summaryLines(scan).join('\n')}\n`);
  return scan.rejected > 0 ? EXIT_PROBLEMS : EXIT_OK;
}
