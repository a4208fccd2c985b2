// A fan-out of writes that fails must not return while some of its writes are still on their way:
// with Promise.all the caller (a reconcile pass, say) ends at the first failure, and the writes it
// started land afterwards, behind the next pass's back — or never, when the Functions host freezes
// the instance once the invocation ends.

/** Waits for every promise to settle, then rejects with the first rejection in order, if any. */
export async function allSettledOrThrow(promises: Iterable<Promise<unknown>>): Promise<void> {
  for (const r of await Promise.allSettled(promises)) if (r.status === 'rejected') throw r.reason;
}

/**
 * Calls `fn` on every item, at most `limit` at a time, then rejects with the first failure in item
 * order, if any: every item is tried, as with allSettledOrThrow, but never all at once.
 */
export async function allSettledInTurns<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  const outcomes: Array<{ error: unknown } | undefined> = new Array<{ error: unknown } | undefined>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const at = next++;
      try {
        await fn(items[at] as T);
      } catch (error) {
        outcomes[at] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  for (const o of outcomes) if (o !== undefined) throw o.error;
}
