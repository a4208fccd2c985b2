// The blob trigger's source is read as functions/ingest registers, through lib/config: a typo
// fails loading with the setting named (the host logs it) rather than registering a polling
// trigger that never fires on Flex Consumption.
import pkg from '@azure/functions';
import type { StorageBlobFunctionOptions } from '@azure/functions';
import { afterEach, describe, expect, it, vi } from 'vitest';

const saved = process.env.HRSYNC_EXTRACTS_SOURCE;

afterEach(() => {
  if (saved === undefined) delete process.env.HRSYNC_EXTRACTS_SOURCE;
  else process.env.HRSYNC_EXTRACTS_SOURCE = saved;
  vi.restoreAllMocks();
  vi.resetModules();
});

async function registeredSource(value: string | undefined): Promise<StorageBlobFunctionOptions['source']> {
  if (value === undefined) delete process.env.HRSYNC_EXTRACTS_SOURCE;
  else process.env.HRSYNC_EXTRACTS_SOURCE = value;
  vi.restoreAllMocks();
  const blob = vi.spyOn(pkg.app, 'storageBlob').mockImplementation(() => undefined);
  vi.resetModules();
  await import('../../functions/ingest.js');
  expect(blob).toHaveBeenCalledTimes(1);
  return blob.mock.calls[0]?.[1].source;
}

describe('ingest registration', () => {
  it('registers the source the setting names, LogsAndContainerScan when unset', async () => {
    expect(await registeredSource('EventGrid')).toBe('EventGrid');
    expect(await registeredSource('LogsAndContainerScan')).toBe('LogsAndContainerScan');
    expect(await registeredSource(undefined)).toBe('LogsAndContainerScan');
  });

  it('fails to load on a mistyped source, naming the setting, the value and the allowed values', async () => {
    await expect(registeredSource('Eventgrid ')).rejects.toThrow(
      'Invalid setting: HRSYNC_EXTRACTS_SOURCE must be one of LogsAndContainerScan | EventGrid, got "Eventgrid" (did you mean "EventGrid"?)',
    );
  });
});
