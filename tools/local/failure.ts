// An error without a message (a socket's AggregateError, an SDK error from a body-less response)
// once left only "npm run local failed:" to go on: say its kind, code, status, inner errors and
// causes, and where it was thrown. The messages are the errors' own, as printed before; what is
// added (names, codes, statuses, a code location) holds nothing from the run's data.

/** One line for an error that stopped `npm run local`: its kind, code, status, inner errors and causes. */
export function failureText(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) return String(err);
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  const parts = [err.message === '' ? `${err.name} (no message)` : err.name === 'Error' ? err.message : `${err.name}: ${err.message}`];
  if (code !== undefined) parts.push(`code ${String(code)}`);
  if (statusCode !== undefined) parts.push(`status ${String(statusCode)}`);
  if (err.message === '' || depth > 0) {
    const at = err.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
    if (at !== undefined) parts.push(at.trim());
  }
  let text = parts.join(', ');
  if (depth < 3) {
    if (err instanceof AggregateError) text += `; ${err.errors.map((e) => failureText(e, depth + 1)).join('; ')}`;
    if (err.cause !== undefined) text += `; caused by ${failureText(err.cause, depth + 1)}`;
  }
  return text;
}
