// The provisioning service's failure reasons can quote the person they are about ("…the
// userPrincipalName zoe.orsted@contoso.com already exists", "…for user Zoë Ørsted"). Reports,
// CSVs and logs keep the reason's sense and lose the person: anything shaped like an email or UPN
// keeps only its domain (what "domain does not exist" needs), and each name known from the record
// or the log entry becomes ***. Pure, so every place a reason is first stored can call it.

export const MASK = '***';

// Local part: anything but space, quotes, brackets and separators; domain: DNS labels with a dot.
const EMAIL_LIKE = /[^\s@'"`<>()[\]{},;:]+@((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}]{2,63})/gu;
// A known value shorter than this is too likely to be an ordinary word of the reason.
const MIN_KNOWN = 2;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The values to mask: each known value and, for names of several words, each word too. */
function maskable(known: Iterable<string>): string[] {
  const values = new Set<string>();
  for (const raw of known) {
    const value = raw.trim();
    if (value.length < MIN_KNOWN) continue;
    values.add(value);
    for (const word of value.split(/[\s,]+/u)) if (word.length >= MIN_KNOWN) values.add(word);
  }
  // Longest first, so a full name goes before the words it contains.
  return [...values].sort((a, b) => b.length - a.length);
}

/** Masks email- and UPN-shaped values (domain kept) and each known value (whole words, any case) in a service's text. */
export function maskPersonalData(text: string, known: Iterable<string> = []): string {
  let masked = text.replace(EMAIL_LIKE, `${MASK}@$1`);
  const values = maskable(known);
  if (values.length === 0) return masked;
  // Whole words only: a name must not eat part of a longer word of the reason.
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${values.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  masked = masked.replace(pattern, MASK);
  return masked;
}

const NAME_KEYS = new Set(['displayName', 'givenName', 'familyName', 'middleName', 'formatted', 'nickName', 'userName', 'value']);

/** The values of a SCIM user that name or reach the person (display name, name parts, userName, nickName, emails), from the operation's JSON or its data. */
export function personalValuesOf(operation: string | object | undefined): string[] {
  let parsed: unknown = operation;
  if (typeof operation === 'string') {
    if (operation === '') return [];
    try {
      parsed = JSON.parse(operation);
    } catch {
      return [];
    }
  }
  const user = (parsed as { data?: unknown } | undefined)?.data ?? parsed;
  if (typeof user !== 'object' || user === null) return [];
  const u = user as Record<string, unknown>;
  const out: string[] = [];
  const take = (v: unknown): void => {
    if (typeof v === 'string' && v !== '') out.push(v);
  };
  take(u['displayName']);
  take(u['nickName']);
  take(u['userName']);
  const name = u['name'];
  if (typeof name === 'object' && name !== null) for (const [k, v] of Object.entries(name)) if (NAME_KEYS.has(k)) take(v);
  const emails = u['emails'];
  if (Array.isArray(emails)) for (const e of emails) take((e as { value?: unknown } | null)?.value);
  return out;
}
