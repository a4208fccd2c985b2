// The order a run sends in: disables first (a leaver's account closes before anything else of
// the night), then creates, updates and drift resends, each managers before their reports — a report whose manager the service has not
// created yet fails with an unresolved reference and costs a resend — so the org chart goes top down.
import { ENTERPRISE_USER_SCHEMA } from '../scim/schemas.js';
import type { ScimUser } from '../scim/types.js';

/** One operation waiting to be sent, with what ordering needs. */
export interface QueuedOperation {
  externalId: string;
  line: number;
  /** Its number in the OperationStore. */
  stored: number;
  managerId?: string;
}

/** The manager's externalId an operation refers to, if any. */
export function managerOf(json: string): string | undefined {
  const op = JSON.parse(json) as { data?: ScimUser };
  const ext = op.data?.[ENTERPRISE_USER_SCHEMA] as { manager?: { value?: unknown } } | undefined;
  const value = ext?.manager?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Orders operations so each manager in the file precedes its reports: by depth in the
 * management chain, file order within a depth. Records in a management cycle keep depth 0.
 * Ids are unique, as every caller's are (an extract's valid records, a run's records).
 */
export function managersFirst<T extends Pick<QueuedOperation, 'externalId' | 'managerId'>>(ops: readonly T[]): Array<T & { depth: number }> {
  const index = new Map<string, number>();
  ops.forEach((op, i) => index.set(op.externalId, i));
  // One rank for all: the depth walk and the stable sort are sendPermutation's.
  const { order, depth } = sendPermutation(
    ops.length,
    () => 1,
    (i) => {
      const m = (ops[i] as T).managerId;
      return m === undefined ? -1 : (index.get(m) ?? -1);
    },
  );
  return Array.from(order, (i) => ({ ...(ops[i] as T), depth: depth[i] as number }));
}

/** The order of intents when the daily budget is short: leavers first, drift repair last. */
const INTENT_RANK: Record<string, number> = { disable: 0, create: 1, update: 2, resend: 3 };

/**
 * Disables first, then creates, updates and drift resends (the order the daily budget spends
 * calls in), each group managers first (depth 0, 1, …), file order within a depth. `group` is
 * the intent's rank. Creates before updates keeps managers first across groups: an update's
 * manager that is new is a create, and a create's manager that is an update exists already.
 */
export function sendOrder<T extends Pick<QueuedOperation, 'externalId' | 'managerId'> & { intent?: string }>(ops: readonly T[]): Array<T & { depth: number; group: number }> {
  const groups = new Map<number, T[]>();
  for (const op of ops) {
    const rank = intentRank(op.intent);
    const list = groups.get(rank);
    if (list === undefined) groups.set(rank, [op]);
    else list.push(op);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .flatMap((rank) => {
      const group = groups.get(rank) as T[];
      // Disables need no order among themselves: their managers exist already.
      return rank === 0 ? group.map((op) => ({ ...op, depth: 0, group: rank })) : managersFirst(group).map((op) => ({ ...op, group: rank }));
    });
}

/**
 * sendOrder as a permutation, for operations kept by number instead of as objects: `count`
 * operations, `rankOf(i)` each one's intent rank (INTENT_RANK, via intentRank), `managerOf(i)` the
 * number of the operation its manager's is (or -1; the operation itself counts as none). Returns
 * the numbers in send order — the order sendOrder gives the same operations — and each one's depth.
 * Ids are taken to be unique, as an extract's valid records are.
 */
export function sendPermutation(count: number, rankOf: (i: number) => number, managerOf: (i: number) => number): { order: Int32Array; depth: Int32Array } {
  const rank = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const r = rankOf(i);
    if (!Number.isInteger(r) || r < 0 || r > 255) throw new RangeError(`rank ${r} of operation ${i} is not 0–255`);
    rank[i] = r;
  }
  const depth = new Int32Array(count).fill(-1);
  let maxDepth = 0;
  for (let i = 0; i < count; i++) {
    if (depth[i] !== -1) continue;
    // Disables need no order among themselves: their managers exist already.
    if (rank[i] === 0) {
      depth[i] = 0;
      continue;
    }
    // Walk up to a known depth, a manager outside the group, or a cycle; then assign on the way back.
    const chain: number[] = [];
    const onChain = new Set<number>();
    let current = i;
    let base = 0;
    while (current !== -1) {
      const known = depth[current] as number;
      if (known !== -1) {
        base = known + 1;
        break;
      }
      if (onChain.has(current)) {
        // A cycle: its members cannot be ordered; the whole chain is top level.
        for (const n of chain) depth[n] = 0;
        chain.length = 0;
        break;
      }
      chain.push(current);
      onChain.add(current);
      const m = managerOf(current);
      current = m === current || m < 0 || m >= count || rank[m] !== rank[i] ? -1 : m;
    }
    for (let k = chain.length - 1; k >= 0; k--) {
      const d = base + (chain.length - 1 - k);
      depth[chain[k] as number] = d;
      if (d > maxDepth) maxDepth = d;
    }
  }
  // A counting sort by (rank, depth), stable: file order within each.
  let maxRank = 0;
  for (let i = 0; i < count; i++) if ((rank[i] as number) > maxRank) maxRank = rank[i] as number;
  const key = (i: number): number => (rank[i] as number) * (maxDepth + 1) + (depth[i] as number);
  const starts = new Int32Array((maxRank + 1) * (maxDepth + 1) + 1);
  for (let i = 0; i < count; i++) {
    const k = key(i) + 1;
    starts[k] = (starts[k] as number) + 1;
  }
  for (let b = 1; b < starts.length; b++) starts[b] = (starts[b] as number) + (starts[b - 1] as number);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = key(i);
    order[starts[k] as number] = i;
    starts[k] = (starts[k] as number) + 1;
  }
  return { order, depth };
}

/** An intent's rank in the send order (sendOrder's `group`). */
export function intentRank(intent: string | undefined): number {
  return INTENT_RANK[intent ?? 'update'] ?? 2;
}
