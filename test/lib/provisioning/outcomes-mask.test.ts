// outcomeOf is where the service's reason enters hrsync: it leaves masked, classified as written.
import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../../lib/provisioning/outcomes.js';
import { errorFromResponse } from '../../../lib/provisioning/classify-response.js';
import { entry } from './entries.js';

describe('outcomeOf masks the person in the reason', () => {
  it("masks UPNs and emails (domain kept) and the entry's display name, keeping the code", () => {
    const e = entry('E7', 'failure', '2026-12-01T00:00:00Z', {
      errorCode: 'AzureActiveDirectoryConflictingUserPrincipalName',
      reason: 'Person Name could not be created: the userPrincipalName person.name@contoso.com already exists for Name, Person.',
    });
    const o = outcomeOf(e);
    expect(o?.errorCode).toBe('AzureActiveDirectoryConflictingUserPrincipalName');
    expect(o?.reason).toBe('*** could not be created: the userPrincipalName ***@contoso.com already exists for ***, ***.');
    expect(o?.category).toBe('conflict');
  });

  it('masks name-like modified values and classifies from the text as the service wrote it', () => {
    const e = {
      ...entry('E8', 'failure', '2026-12-01T00:00:00Z', { reason: 'Surname Kowalczyk-Nowak: the domain does not exist (kowalczyk@unverified.example)' }),
      modifiedProperties: [
        { displayName: 'surname', oldValue: null, newValue: 'Kowalczyk-Nowak' },
        { displayName: 'department', oldValue: null, newValue: 'Surname' },
      ],
    };
    const o = outcomeOf(e);
    expect(o?.reason).toBe('Surname ***: the domain does not exist (***@unverified.example)');
    expect(o?.category).toBe('invalid-domain');
  });
});

describe("a refused request's service message", () => {
  it('keeps the domain of a quoted UPN only', () => {
    const err = errorFromResponse(
      { status: 400, headers: new Headers(), bodyText: JSON.stringify({ error: { code: 'BadRequest', message: "Invalid value 'zoe.orsted@contoso.com' for userName" } }) },
      { operation: 'upload', servicePrincipalId: 'sp', jobId: 'job', now: 0, bucketFullWaitMs: 0 },
    );
    expect(err.serviceMessage).toBe("Invalid value '***@contoso.com' for userName");
    expect(err.message).not.toContain('zoe.orsted');
  });
});
