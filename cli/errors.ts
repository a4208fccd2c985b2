// Exit codes the CLI promises: 0 all good, 1 some records bad, 2 unusable input, settings or arguments.
export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_UNUSABLE = 2;

/** The arguments cannot be used; the message says what to change. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
