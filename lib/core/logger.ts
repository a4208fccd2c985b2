// The client logs through this interface only. Fields are plain, safe values: request ids,
// statuses, counts, externalIds, wait times. Never tokens, secrets, names, emails or bodies.

export type LogValue = string | number | boolean | null | undefined | readonly string[] | readonly number[];
export type LogFields = Readonly<Record<string, LogValue>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything, for callers that do not care. */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
