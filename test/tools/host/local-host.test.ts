// The host as a whole: timers, start/stop, drain across blob and queue functions, logging,
// counters, and settings errors that name the function and setting.
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { InvocationContext, Timer } from '@azure/functions';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../../functions/definition.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';
import { createLocalHost, formatLogLine } from '../../../tools/host/local-host.js';
import type { HostLogLine } from '../../../tools/host/local-host.js';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

const quiet = (): void => undefined;

function timerDef(calls: Array<{ timer: Timer; context: InvocationContext }>, extra: { runOnStartup?: boolean; fail?: boolean; schedule?: string } = {}): FunctionDefinition {
  return {
    name: 'tick',
    kind: 'timer',
    options: {
      schedule: extra.schedule ?? '%TICK_SCHEDULE%',
      ...(extra.runOnStartup === undefined ? {} : { runOnStartup: extra.runOnStartup }),
      handler: async (timer: Timer, context: InvocationContext) => {
        calls.push({ timer, context });
        context.warn('tick', { n: calls.length });
        if (extra.fail === true) throw new Error('tick failed');
      },
    },
  };
}

describe('timer trigger', () => {
  it('fireTimer invokes the handler with a Timer object and routes its logs', async () => {
    const calls: Array<{ timer: Timer; context: InvocationContext }> = [];
    const logs: HostLogLine[] = [];
    const host = createLocalHost({ definitions: [timerDef(calls)], env: { TICK_SCHEDULE: '0 */5 * * * *' }, logger: (l) => logs.push(l) });
    expect(await host.fireTimer('tick')).toBe(true);
    expect(calls).toHaveLength(1);
    const { timer, context } = calls[0] as { timer: Timer; context: InvocationContext };
    expect(timer.isPastDue).toBe(false);
    const next = new Date(timer.scheduleStatus?.next ?? '');
    expect(next.getUTCSeconds()).toBe(0);
    expect(next.getUTCMinutes() % 5).toBe(0);
    expect(next.getTime()).toBeGreaterThan(Date.now() - 1000);
    expect(context.functionName).toBe('tick');
    expect(context.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs).toEqual([{ functionName: 'tick', level: 'warning', message: 'tick {"n":1}', invocationId: context.invocationId }]);
    expect(formatLogLine(logs[0] as HostLogLine)).toBe('[tick] warning: tick {"n":1}');
    expect(formatLogLine({ functionName: 'tick', level: 'information', message: 'hello' })).toBe('[tick] hello');
    await expect(host.fireTimer('nope')).rejects.toThrow(/no timer function named nope \(timers: tick\)/);
  });

  it('counts a failing timer invocation and logs it instead of throwing', async () => {
    const logs: HostLogLine[] = [];
    const host = createLocalHost({ definitions: [timerDef([], { fail: true })], env: { TICK_SCHEDULE: '00:10:00' }, logger: (l) => logs.push(l) });
    expect(await host.fireTimer('tick')).toBe(false);
    expect(host.stats).toMatchObject({ invocations: 1, failures: 1, succeeded: 0 });
    expect(logs.some((l) => l.level === 'error' && l.message.includes('tick failed'))).toBe(true);
    expect(host.progressLine()).toBe('invocations 1 (ok 0, failed 1, poisoned 0, running 0)');
  });

  it('fires runOnStartup timers on start, then on a short schedule, and stops promptly', async () => {
    const calls: Array<{ timer: Timer; context: InvocationContext }> = [];
    const host = createLocalHost({ definitions: [timerDef(calls, { runOnStartup: true, schedule: '* * * * * *' })], env: {}, logger: quiet });
    host.start();
    const deadline = Date.now() + 10_000;
    while (calls.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await host.stop();
    const seen = calls.length;
    expect(seen).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 1200));
    expect(calls).toHaveLength(seen);
  });

  it('does not fire a timer without runOnStartup before its schedule', async () => {
    const calls: Array<{ timer: Timer; context: InvocationContext }> = [];
    const host = createLocalHost({ definitions: [timerDef(calls)], env: { TICK_SCHEDULE: '0 0 0 1 1 *' }, logger: quiet });
    host.start();
    await new Promise((r) => setTimeout(r, 100));
    await host.stop();
    expect(calls).toHaveLength(0);
  });

  it('rejects a bad schedule naming the function and the setting it came from', () => {
    expect(() => createLocalHost({ definitions: [timerDef([])], env: { TICK_SCHEDULE: '*/5 * * * *' }, logger: quiet })).toThrow(
      /function tick: schedule "\*\/5 \* \* \* \*" \(from app setting TICK_SCHEDULE\) is not valid: expected six NCRONTAB fields/,
    );
    expect(() => createLocalHost({ definitions: [timerDef([])], env: {}, logger: quiet })).toThrow(
      'function tick: app setting TICK_SCHEDULE is not set (schedule "%TICK_SCHEDULE%")',
    );
    expect(() => createLocalHost({ definitions: [timerDef([]), timerDef([])], env: { TICK_SCHEDULE: '00:01:00' }, logger: quiet })).toThrow(/two functions are named tick/);
  });
});

describe('drain', () => {
  it('runs a blob function and the queue function it feeds until nothing is left, with counters to match', async () => {
    const env = { DROP: 'chain-in', WORK: 'chain-work', TEST_STORAGE: azurite.connectionString };
    const work = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(env.WORK);
    const handled: unknown[] = [];
    const definitions: FunctionDefinition[] = [
      {
        name: 'split',
        kind: 'storageBlob',
        options: {
          path: '%DROP%/{name}',
          connection: 'TEST_STORAGE',
          handler: async (blob: unknown) => {
            for (const line of (blob as Buffer).toString('utf8').split('\n').filter(Boolean)) {
              await work.sendMessage(Buffer.from(JSON.stringify({ line })).toString('base64'));
            }
          },
        },
      },
      {
        name: 'consume',
        kind: 'storageQueue',
        options: {
          queueName: '%WORK%',
          connection: 'TEST_STORAGE',
          handler: async (m: unknown) => {
            handled.push(m);
          },
        },
      },
    ];
    const host = createLocalHost({ definitions, env, hostJson: 'host.json', host: { visibilityTimeoutSeconds: 0 }, logger: quiet });
    expect(host.options).toMatchObject({ batchSize: 2, visibilityTimeoutSeconds: 0 });
    expect(host.functions).toEqual([
      { name: 'split', kind: 'storageBlob', trigger: 'blob container chain-in' },
      { name: 'consume', kind: 'storageQueue', trigger: 'queue chain-work' },
    ]);
    await host.pollQueuesOnce();
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(env.DROP);
    await container.createIfNotExists();
    const text = 'a\nb\nc\nd\ne\n';
    await container.getBlockBlobClient('lines.txt').upload(text, text.length);

    await host.drain({ timeoutMs: 20_000 });
    expect(handled).toHaveLength(5);
    expect(new Set(handled.map((h) => (h as { line: string }).line))).toEqual(new Set(['a', 'b', 'c', 'd', 'e']));
    expect(host.stats).toMatchObject({ invocations: 6, succeeded: 6, failures: 0, poisoned: 0, inFlight: 0 });
    expect((await work.getProperties()).approximateMessagesCount).toBe(0);
  });
});

describe('stop', () => {
  it('ends blob scans and queue fetches in flight rather than waiting for storage that does not answer', async () => {
    // A storage endpoint that takes connections and never answers: without their end at stop(),
    // the scan and the fetch waiting on it would hold stop() for as long as the SDK retries.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const storage = azurite.connectionString.replace(`:${azurite.blobPort}/`, `:${port}/`).replace(`:${azurite.queuePort}/`, `:${port}/`);
      const definitions: FunctionDefinition[] = [
        { name: 'drop', kind: 'storageBlob', options: { path: 'silent-in/{name}', connection: 'TEST_STORAGE', handler: async () => undefined } },
        { name: 'work', kind: 'storageQueue', options: { queueName: 'silent-work', connection: 'TEST_STORAGE', handler: async () => undefined } },
      ];
      const logs: HostLogLine[] = [];
      const host = createLocalHost({ definitions, env: { TEST_STORAGE: storage }, hostJson: {}, logger: (l) => logs.push(l) });
      host.start();
      // Both loops have a request out: the blob scan's and the queue fetch's.
      while (sockets.length < 2) await new Promise((r) => setTimeout(r, 20));
      await host.stop();
      // A stop is no failure: nothing logged as one.
      expect(logs.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
