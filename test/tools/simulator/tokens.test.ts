import { describe, expect, it } from 'vitest';
import { TokenStore, audienceOf } from '../../../tools/simulator/tokens.js';

describe('TokenStore', () => {
  it('checks presence, audience, expiry and revocation', () => {
    let now = 1000;
    const store = new TokenStore(() => now);
    const { token } = store.issue('graph', ['AuditLog.Read.All'], 60, 'app');
    expect(store.check(`Bearer ${token}`, 'graph')).toMatchObject({ ok: true, token: { roles: ['AuditLog.Read.All'] } });
    expect(store.check(undefined, 'graph')).toEqual({ ok: false, reason: 'missing' });
    expect(store.check(`Bearer ${token}`, 'vault')).toEqual({ ok: false, reason: 'audience' });
    now += 60_000;
    expect(store.check(`Bearer ${token}`, 'graph')).toEqual({ ok: false, reason: 'expired' });
    const graph = store.issue('graph', [], 60, 'app').token;
    const vault = store.issue('vault', [], 60, 'mi').token;
    store.revoke('graph');
    expect(store.check(`Bearer ${graph}`, 'graph')).toEqual({ ok: false, reason: 'unknown' });
    expect(store.check(`Bearer ${vault}`, 'vault')).toMatchObject({ ok: true });
    store.revoke();
    expect(store.check(`Bearer ${vault}`, 'vault')).toEqual({ ok: false, reason: 'unknown' });
  });
});

describe('audienceOf', () => {
  it('knows Graph and Key Vault by resource or .default scope, nothing else', () => {
    expect(audienceOf('https://graph.microsoft.com/.default')).toBe('graph');
    expect(audienceOf('https://vault.azure.net')).toBe('vault');
    expect(audienceOf('https://management.azure.com/.default')).toBeUndefined();
  });
});
