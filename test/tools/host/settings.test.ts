import { describe, expect, it } from 'vitest';
import { connectionString, resolveBinding } from '../../../tools/host/settings.js';

describe('resolveBinding', () => {
  it('replaces every %NAME% from the settings', () => {
    expect(resolveBinding('%A%/in-%B%/{name}', { A: 'extracts', B: 'x' }, 'ingest', 'path')).toBe('extracts/in-x/{name}');
    expect(resolveBinding('plain', {}, 'ingest', 'path')).toBe('plain');
  });

  it('names the function, the option and the setting when one is unset or empty', () => {
    expect(() => resolveBinding('%MISSING%/{name}', {}, 'ingest', 'path')).toThrow('function ingest: app setting MISSING is not set (path "%MISSING%/{name}")');
    expect(() => resolveBinding('%EMPTY%', { EMPTY: '' }, 'upload', 'queueName')).toThrow(/function upload: app setting EMPTY/);
  });
});

describe('connectionString', () => {
  it('reads the named setting, the AzureWebJobs-prefixed one, or AzureWebJobsStorage when none is named', () => {
    expect(connectionString({ HRSYNC_STORAGE: 'cs1' }, 'HRSYNC_STORAGE', 'f')).toBe('cs1');
    expect(connectionString({ AzureWebJobsOther: 'cs2' }, 'Other', 'f')).toBe('cs2');
    expect(connectionString({ AzureWebJobsStorage: 'cs3' }, '', 'f')).toBe('cs3');
    expect(connectionString({ CONN: 'HRSYNC_STORAGE', HRSYNC_STORAGE: 'cs4' }, '%CONN%', 'f')).toBe('cs4');
  });

  it('names the function and the setting when it is missing, and explains identity-based settings', () => {
    expect(() => connectionString({}, 'HRSYNC_STORAGE', 'ingest')).toThrow('function ingest: connection setting HRSYNC_STORAGE is not set');
    expect(() => connectionString({ HRSYNC_STORAGE__serviceUri: 'https://x' }, 'HRSYNC_STORAGE', 'ingest')).toThrow(/identity-based/);
  });
});
