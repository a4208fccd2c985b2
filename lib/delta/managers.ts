// Manager references that cannot resolve this run. The service fails a record whose manager it
// cannot find, and fails it again on every resend until the manager exists: one broken manager
// row once cost its whole chain five sends each and no accounts. A report whose manager was
// rejected in this run (or dead-lettered) and is not in the directory is therefore sent without
// the reference, and what is sent is what is hashed, so People remember the record without its
// manager and the next run — the manager fixed, the reference back in the extract — sends it again.
import { ENTERPRISE_USER_SCHEMA } from '../scim/schemas.js';
import type { Problem } from '../scim/problem.js';
import type { ScimUser } from '../scim/types.js';
import { recordHash } from './hash.js';
import { candidateOf } from './candidate.js';
import type { Candidate, IdSet } from './plan.js';

/** The operation without its manager reference, and the canonical hash of what it now sends. */
export function dropManagerReference(json: string): { json: string; hash: string } {
  const op = JSON.parse(json) as { data?: ScimUser };
  const data = op.data as Record<string, unknown> | undefined;
  const ext = data?.[ENTERPRISE_USER_SCHEMA] as Record<string, unknown> | undefined;
  if (data === undefined || ext === undefined || !('manager' in ext)) return { json, hash: recordHash(data) };
  const { manager: _manager, ...rest } = ext;
  const stripped = { ...data, [ENTERPRISE_USER_SCHEMA]: rest };
  return { json: JSON.stringify({ ...op, data: stripped }), hash: recordHash(stripped) };
}

/** The note a record sent without its manager carries, and the sync's and validation's warning. */
export function withoutManagerMessage(managerId: string, why: 'rejected' | 'dead-lettered'): string {
  const what = why === 'rejected' ? 'was rejected in this run' : 'was dead-lettered in this run';
  return `sent without its manager reference: manager ${managerId} ${what} and is not in the directory; the reference is sent on a later run once the manager exists`;
}

/** Which externalIds the directory holds (People), asked for a few ids at a time. */
export type KnownPeople = (externalIds: readonly string[]) => Promise<ReadonlySet<string>>;

/** One valid record that goes without its manager reference. */
export interface ManagerDropped {
  externalId: string;
  line: number;
  managerId: string;
}

/**
 * Reports whose manager's row was rejected in this run (present in the extract, yet no valid
 * record) and whom `known` does not find in the directory go without the reference: their
 * operations are stored again without it (`add` gives the new number) and their candidates
 * re-derived, hash included. Returns the candidates in the same order, and who was changed.
 */
export async function releaseFromRejectedManagers(
  candidates: readonly Candidate[],
  present: ReadonlySet<string>,
  known: KnownPeople | undefined,
  store: { read(n: number): Promise<string>; add(json: string): number },
): Promise<{ candidates: Candidate[]; dropped: ManagerDropped[] }> {
  const valid = new Set(candidates.map((c) => c.externalId));
  const rejectedManagers = new Set<string>();
  for (const c of candidates) {
    if (c.managerId !== undefined && c.managerId !== c.externalId && present.has(c.managerId) && !valid.has(c.managerId)) rejectedManagers.add(c.managerId);
  }
  if (rejectedManagers.size === 0) return { candidates: [...candidates], dropped: [] };
  const inDirectory = known === undefined ? new Set<string>() : await known([...rejectedManagers]);
  const dropped: ManagerDropped[] = [];
  const out: Candidate[] = [];
  for (const c of candidates) {
    const m = c.managerId;
    if (m === undefined || !rejectedManagers.has(m) || inDirectory.has(m)) {
      out.push(c);
      continue;
    }
    const released = dropManagerReference(await store.read(c.stored));
    const { managerId: _m, ...rest } = c;
    out.push({ ...rest, stored: store.add(released.json), hash: released.hash, withoutManager: m });
    dropped.push({ externalId: c.externalId, line: c.line, managerId: m });
  }
  return { candidates: out, dropped };
}

/**
 * The scanned extract's records as candidates, as hrsync sync and preview send them: each stored in
 * `store`, added to `present` (which already holds the rejected rows' ids), and reports of a manager
 * rejected here released from the reference unless `known` finds the manager; with one warning each.
 */
export async function readCandidates(
  ops: AsyncIterable<{ externalId: string; line: number; json: string }>,
  scan: { file: string; withdrawn: ReadonlySet<string> },
  present: Set<string>,
  known: KnownPeople | undefined,
  store: { read(n: number): Promise<string>; add(json: string): number; readonly shouldFlush: boolean; flush(): Promise<void> },
): Promise<{ candidates: Candidate[]; dropped: ManagerDropped[]; warnings: Problem[] }> {
  const read: Candidate[] = [];
  for await (const op of ops) {
    if (scan.withdrawn.has(op.externalId)) continue;
    present.add(op.externalId);
    read.push(candidateOf(op.externalId, op.line, op.json, store.add(op.json)));
    if (store.shouldFlush) await store.flush();
  }
  await store.flush();
  const released = await releaseFromRejectedManagers(read, present, known, store);
  await store.flush();
  const warnings: Problem[] = released.dropped.map((d) => ({
    severity: 'warning',
    file: scan.file,
    line: d.line,
    externalId: d.externalId,
    rule: 'manager-rejected',
    message: withoutManagerMessage(d.managerId, 'rejected'),
  }));
  return { ...released, warnings };
}

/** One valid row and the manager it names. */
export interface ManagerRef {
  externalId: string;
  line: number;
  managerId: string;
}

/**
 * One warning per row whose manager is neither in the extract (valid or rejected) nor, when
 * `known` can ask the directory, in People: its record will fail with an unresolved reference
 * unless the manager exists in the directory by other means.
 */
export async function unknownManagerWarnings(file: string, refs: readonly ManagerRef[], present: IdSet, known: KnownPeople | undefined): Promise<Problem[]> {
  const missing = new Set<string>();
  for (const r of refs) if (r.managerId !== r.externalId && !present.has(r.managerId)) missing.add(r.managerId);
  if (missing.size === 0) return [];
  const inDirectory = known === undefined ? new Set<string>() : await known([...missing]);
  const where = known === undefined ? 'not in the extract' : 'neither in the extract nor in the directory (People)';
  return refs
    .filter((r) => missing.has(r.managerId) && !inDirectory.has(r.managerId))
    .sort((a, b) => a.line - b.line)
    .map((r) => ({
      severity: 'warning',
      file,
      line: r.line,
      externalId: r.externalId,
      attribute: `${ENTERPRISE_USER_SCHEMA}:manager.value`,
      rule: 'manager-unknown',
      message: `manager ${r.managerId} is ${where}: unless it exists in Entra already, this record fails with an unresolved manager reference`,
    }));
}

/** Asks the ledger's People for each id, a few at a time. */
export function peopleLookup(getPerson: (externalId: string) => Promise<unknown>): KnownPeople {
  return async (ids) => {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 16) {
      const chunk = ids.slice(i, i + 16);
      const hits = await Promise.all(chunk.map(async (id) => ((await getPerson(id)) === undefined ? undefined : id)));
      for (const id of hits) if (id !== undefined) found.add(id);
    }
    return found;
  };
}
