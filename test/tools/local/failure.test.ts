import { describe, expect, it } from 'vitest';
import { failureText } from '../../../tools/local/failure.js';

describe('failureText', () => {
  it('gives a plain error its message alone', () => {
    expect(failureText(new Error('Cannot read the mapping'))).toBe('Cannot read the mapping');
  });

  it('names an error without a message by its kind and where it was thrown', () => {
    const text = failureText(new TypeError(''));
    expect(text).toMatch(/^TypeError \(no message\), at .*failure\.test\.ts:\d+:\d+/);
  });

  it('says the code and status an SDK or socket error carries', () => {
    const err = Object.assign(new Error('The specified container does not exist.'), { name: 'RestError', code: 'ContainerNotFound', statusCode: 404 });
    expect(failureText(err)).toBe('RestError: The specified container does not exist., code ContainerNotFound, status 404');
  });

  it("lists an AggregateError's errors and follows causes", () => {
    const refused = (address: string): Error => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const aggregate = new AggregateError([refused('::1:10000'), refused('127.0.0.1:10000')], '');
    const text = failureText(new Error('Could not start storage', { cause: aggregate }));
    expect(text).toMatch(/^Could not start storage; caused by AggregateError \(no message\), at /);
    expect(text).toContain('connect ECONNREFUSED ::1:10000, code ECONNREFUSED');
    expect(text).toContain('connect ECONNREFUSED 127.0.0.1:10000, code ECONNREFUSED');
  });

  it('writes what is not an Error as text', () => {
    expect(failureText('stopped')).toBe('stopped');
  });
});
