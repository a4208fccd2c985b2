import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../../lib/config/errors.js';
import { loadExtractsSource, loadPipelineSettings } from '../../../lib/config/pipeline.js';

describe('loadPipelineSettings', () => {
  it('has working defaults for every setting', () => {
    const s = loadPipelineSettings({});
    expect(s).toMatchObject({
      storageConnection: 'HRSYNC_STORAGE',
      extractsContainer: 'hr-extracts',
      extractsSource: 'LogsAndContainerScan',
      reportsContainer: 'hrsync-reports',
      mappingBlob: { container: 'hrsync-config', name: 'mapping.json' },
      operationsQueue: 'scim-operations',
      poisonQueue: 'scim-operations-poison',
      tablePrefix: 'hrsync',
      reconcileSchedule: '0 */5 * * * *',
      maxAttempts: 5,
      confirmTimeoutMinutes: 60,
      retryBaseSeconds: 60,
      queueBacklog: 0,
      logLagMinutes: 15,
    });
  });

  it('reads each setting and derives the poison queue name', () => {
    const s = loadPipelineSettings({
      HRSYNC_EXTRACTS_CONTAINER: 'workday-drops',
      HRSYNC_EXTRACTS_SOURCE: 'EventGrid',
      HRSYNC_MAPPING_BLOB: 'config/maps/workday.json',
      HRSYNC_OPERATIONS_QUEUE: 'ops',
      HRSYNC_TABLE_PREFIX: 'hr2',
      HRSYNC_RECONCILE_SCHEDULE: '00:01:00',
      HRSYNC_MAX_ATTEMPTS: '3',
      HRSYNC_QUEUE_BACKLOG: '500',
      HRSYNC_LOG_LAG_MINUTES: '0',
    });
    expect(s.queueBacklog).toBe(500);
    expect(s.logLagMinutes).toBe(0);
    expect(s.extractsSource).toBe('EventGrid');
    expect(s.mappingBlob).toEqual({ container: 'config', name: 'maps/workday.json' });
    expect(s.poisonQueue).toBe('ops-poison');
    expect(s.reconcileSchedule).toBe('00:01:00');
    expect(s.maxAttempts).toBe(3);
  });

  it('names every malformed variable at once', () => {
    let error: unknown;
    try {
      loadPipelineSettings({
        HRSYNC_EXTRACTS_CONTAINER: 'HR_Extracts',
        HRSYNC_OPERATIONS_QUEUE: 'a'.repeat(60),
        HRSYNC_MAPPING_BLOB: 'mapping.json',
        HRSYNC_TABLE_PREFIX: '1abc',
        HRSYNC_RECONCILE_SCHEDULE: '*/5 * * * *',
        HRSYNC_EXTRACTS_SOURCE: 'eventgrid',
        HRSYNC_MAX_ATTEMPTS: '0',
        HRSYNC_QUEUE_BACKLOG: '-1',
        HRSYNC_LOG_LAG_MINUTES: 'soon',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const variables = (error as SettingsError).problems.map((p) => p.variable).sort();
    expect(variables).toEqual([
      'HRSYNC_EXTRACTS_CONTAINER',
      'HRSYNC_EXTRACTS_SOURCE',
      'HRSYNC_LOG_LAG_MINUTES',
      'HRSYNC_MAPPING_BLOB',
      'HRSYNC_MAX_ATTEMPTS',
      'HRSYNC_OPERATIONS_QUEUE',
      'HRSYNC_QUEUE_BACKLOG',
      'HRSYNC_RECONCILE_SCHEDULE',
      'HRSYNC_TABLE_PREFIX',
    ]);
  });

  it('names a mistyped HRSYNC_EXTRACTS_SOURCE with its value, the allowed values and the one it resembles', () => {
    expect(() => loadPipelineSettings({ HRSYNC_EXTRACTS_SOURCE: 'eventgrid' })).toThrow(
      'Invalid setting: HRSYNC_EXTRACTS_SOURCE must be one of LogsAndContainerScan | EventGrid, got "eventgrid" (did you mean "EventGrid"?)',
    );
  });
});

describe('loadExtractsSource', () => {
  it('defaults to LogsAndContainerScan and reads EventGrid (surrounding blanks aside)', () => {
    expect(loadExtractsSource({})).toBe('LogsAndContainerScan');
    expect(loadExtractsSource({ HRSYNC_EXTRACTS_SOURCE: '' })).toBe('LogsAndContainerScan');
    expect(loadExtractsSource({ HRSYNC_EXTRACTS_SOURCE: ' EventGrid ' })).toBe('EventGrid');
    expect(loadExtractsSource({ HRSYNC_EXTRACTS_SOURCE: 'LogsAndContainerScan' })).toBe('LogsAndContainerScan');
  });

  it.each([
    ['EventGird', 'EventGrid'],
    ['Event Grid', 'EventGrid'],
    ['EVENTGRID', 'EventGrid'],
    ['logsandcontainerscan', 'LogsAndContainerScan'],
  ])('refuses %j instead of falling back to polling, and suggests %s', (value, near) => {
    let error: unknown;
    try {
      loadExtractsSource({ HRSYNC_EXTRACTS_SOURCE: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems.map((p) => p.variable)).toEqual(['HRSYNC_EXTRACTS_SOURCE']);
    expect((error as SettingsError).message).toBe(
      `Invalid setting: HRSYNC_EXTRACTS_SOURCE must be one of LogsAndContainerScan | EventGrid, got ${JSON.stringify(value)} (did you mean "${near}"?)`,
    );
  });

  it('suggests nothing for a value like none of them', () => {
    expect(() => loadExtractsSource({ HRSYNC_EXTRACTS_SOURCE: 'webhook' })).toThrow(/got "webhook"$/);
  });
});
