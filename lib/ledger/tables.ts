// The ledger's Azure Table storage tables. infra/ creates the same tables; a test keeps them in step.

/** The ledger tables for a prefix (HRSYNC_TABLE_PREFIX). */
export interface LedgerTableNames {
  /** One entity per run (one extract file): counts, start and end. */
  runs: string;
  /** One entity per record of a run: state, attempts, last request, last reason, payload and its hash. */
  records: string;
  /** One entity per externalId across runs: what was last confirmed (delta, leavers, manager order). */
  people: string;
  /** Reconcile's checkpoint in the provisioning logs, and other singletons. */
  checkpoints: string;
}

/** The ledger's table names under `prefix`. */
export function ledgerTableNames(prefix: string): LedgerTableNames {
  return { runs: `${prefix}Runs`, records: `${prefix}Records`, people: `${prefix}People`, checkpoints: `${prefix}Checkpoints` };
}
