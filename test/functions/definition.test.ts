import pkg from '@azure/functions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FunctionDefinition } from '../../functions/definition.js';
import { register } from '../../functions/definition.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('register', () => {
  it('registers each trigger kind with the matching app method and returns the same definition', () => {
    const blob = vi.spyOn(pkg.app, 'storageBlob').mockImplementation(() => undefined);
    const queue = vi.spyOn(pkg.app, 'storageQueue').mockImplementation(() => undefined);
    const timer = vi.spyOn(pkg.app, 'timer').mockImplementation(() => undefined);
    const handler = async (): Promise<void> => undefined;
    const defs: FunctionDefinition[] = [
      { name: 'b', kind: 'storageBlob', options: { path: 'c/{name}', connection: 'S', handler } },
      { name: 'q', kind: 'storageQueue', options: { queueName: 'q', connection: 'S', handler } },
      { name: 't', kind: 'timer', options: { schedule: '0 */5 * * * *', handler } },
    ];
    for (const def of defs) expect(register(def)).toBe(def);
    expect(blob).toHaveBeenCalledExactlyOnceWith('b', defs[0]?.options);
    expect(queue).toHaveBeenCalledExactlyOnceWith('q', defs[1]?.options);
    expect(timer).toHaveBeenCalledExactlyOnceWith('t', defs[2]?.options);
  });

  it('does not throw outside the host (the package warns and skips)', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const def: FunctionDefinition = { name: 'real', kind: 'timer', options: { schedule: '00:01:00', handler: async () => undefined } };
    expect(register(def)).toBe(def);
  });
});
