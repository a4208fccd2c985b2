// Access tokens: opaque random strings the server remembers with their audience, roles and expiry,
// so a test can grant, withhold, expire or revoke them without any signing machinery.
import { randomBytes } from 'node:crypto';

/** The resources the simulator issues tokens for. */
export type Audience = 'graph' | 'vault';

export interface IssuedToken {
  audience: Audience;
  roles: readonly string[];
  expiresAt: number;
  /** Who asked: the app's client id or the managed identity. */
  subject: string;
}

export type TokenCheck = { ok: true; token: IssuedToken } | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'audience' };

const GRAPH_RESOURCES = new Set(['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000']);
const VAULT_RESOURCES = new Set(['https://vault.azure.net', 'https://vault.azure.net/', 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093']);

/** Maps a resource (`https://graph.microsoft.com`) or a `.default` scope to the audience it names, if any. */
export function audienceOf(resourceOrScope: string): Audience | undefined {
  const resource = resourceOrScope.replace(/\/\.default$/, '').replace(/\/$/, '');
  if (GRAPH_RESOURCES.has(resource)) return 'graph';
  if (VAULT_RESOURCES.has(resource)) return 'vault';
  return undefined;
}

/** Issues and checks the simulator's tokens. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Issues a token valid for `lifetimeSeconds`. */
  issue(audience: Audience, roles: readonly string[], lifetimeSeconds: number, subject: string): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + lifetimeSeconds * 1000;
    this.tokens.set(token, { audience, roles: [...roles], expiresAt, subject });
    return { token, expiresAt };
  }

  /** Checks an Authorization header value for a live token of `audience`. */
  check(authorization: string | undefined, audience: Audience): TokenCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (match === null) return { ok: false, reason: 'missing' };
    const token = this.tokens.get(match[1] as string);
    if (token === undefined) return { ok: false, reason: 'unknown' };
    if (token.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    if (token.audience !== audience) return { ok: false, reason: 'audience' };
    return { ok: true, token };
  }

  /** Forgets the tokens for `audience` (default: all), so the next call with one is a 401. */
  revoke(audience?: Audience): void {
    for (const [token, issued] of this.tokens) {
      if (audience === undefined || issued.audience === audience) this.tokens.delete(token);
    }
  }
}
