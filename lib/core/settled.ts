// A fan-out of writes that fails must not return while some of its writes are still on their way:
// with Promise.all the caller (a reconcile pass, say) ends at the first failure, and the writes it
// started land afterwards, behind the next pass's back — or never, when the Functions host freezes
// the instance once the invocation ends.

/** Waits for every promise to settle, then rejects with the first rejection in order, if any. */
export async function allSettledOrThrow(promises: Iterable<Promise<unknown>>): Promise<void> {
  for (const r of await Promise.allSettled(promises)) if (r.status === 'rejected') throw r.reason;
}
