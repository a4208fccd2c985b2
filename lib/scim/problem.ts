// A problem found in an extract, a row or a record. Messages never quote cell values:
// they name where to look (file, line, column, attribute) and the rule, so reports and
// logs carry no HR personal data.

export type Severity = 'error' | 'warning';

export interface Problem {
  severity: Severity;
  /** The extract's name as given by the user or the blob path. */
  file: string;
  /** 1-based line in the file where the row starts. */
  line?: number;
  externalId?: string;
  /** Source column the value came from. */
  column?: string;
  /** SCIM attribute path, e.g. `emails[0].value` or `urn:…:enterprise:2.0:User:manager.value`. */
  attribute?: string;
  /** Stable machine-readable rule code, e.g. `duplicate-externalId`. */
  rule: string;
  /** One sentence a person can act on. */
  message: string;
}

/** Formats a problem as `file:line: [rule] message (column X, attribute Y)`. */
export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  const extra: string[] = [];
  if (p.column !== undefined) extra.push(`column ${JSON.stringify(p.column)}`);
  if (p.attribute !== undefined) extra.push(`attribute ${p.attribute}`);
  if (p.externalId !== undefined) extra.push(`externalId ${shortExternalId(p.externalId)}`);
  const tail = extra.length > 0 ? ` (${extra.join(', ')})` : '';
  return `${where}: ${p.severity} [${p.rule}] ${p.message}${tail}`;
}

const SHORT_ID_MAX = 40;

/** An externalId as a message shows it: whole up to 40 characters; longer, its start and end with the length, so a wrong column mapped as the id cannot flood a line. */
export function shortExternalId(externalId: string): string {
  if (externalId.length <= SHORT_ID_MAX) return externalId;
  return `${externalId.slice(0, 24)}…${externalId.slice(-8)} (${externalId.length} characters)`;
}
