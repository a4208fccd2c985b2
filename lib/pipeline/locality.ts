// Which ledger partition a record lives in is a hash of its externalId, so a request's 50 records in
// file order fall in nearly every one of a run's 16 partitions: upload then reads them with ~15
// queries and marks them submitted in ~15 transactions. Within one step of the send order (an intent
// group at one management depth) the order carries no meaning — no record there is another's
// manager — so ordering each step by partition keeps a request's records in one or two partitions
// without moving anyone ahead of their manager, and without changing how many requests there are.

/** The send order with each step (equal `stepOf`) ordered by `partitionOf`, stably: steps stay where they are. */
export function byPartitionWithinSteps<T>(ordered: readonly T[], stepOf: (item: T) => string, partitionOf: (item: T) => string): T[] {
  const out: T[] = [];
  for (let start = 0; start < ordered.length;) {
    const step = stepOf(ordered[start] as T);
    let end = start + 1;
    while (end < ordered.length && stepOf(ordered[end] as T) === step) end++;
    const keyed = ordered.slice(start, end).map((item) => ({ item, partition: partitionOf(item) }));
    // Array.prototype.sort is stable: file order survives within a partition.
    keyed.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
    for (const k of keyed) out.push(k.item);
    start = end;
  }
  return out;
}
