import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSourcesFile, mappingFileOf } from '../../../lib/sources/file.js';
import { SourcesError, defaultSources, parseSources, parseSourcesJson, resolveSource, sourceOfBlob } from '../../../lib/sources/sources.js';

const doc = (sources: Record<string, unknown>) => ({ version: 1, sources });

describe('sources', () => {
  it('names the source by the first folder of the blob path, default at the top level', () => {
    expect(sourceOfBlob('workers.csv')).toBe('default');
    expect(sourceOfBlob('hr/2026-12-01.csv')).toBe('hr');
    expect(sourceOfBlob('contractors/daily/x.csv')).toBe('contractors');
    expect(sourceOfBlob('/odd.csv')).toBe('default');
  });

  it('reads each source with its defaults', () => {
    const c = parseSources(
      doc({ hr: { mapping: 'hr.json', kind: 'full' }, contractors: { mapping: 'c.json', kind: 'changes', resendAfterDays: 0, guard: { maxDisables: 10, maxShrinkPercent: 50 } } }),
      'sources.json',
    );
    expect(resolveSource(c, 'hr')).toEqual({
      name: 'hr',
      mapping: 'hr.json',
      kind: 'full',
      resendAfterDays: 7,
      guard: { maxShrinkPercent: 20, maxRejectedPercent: 10, maxFailedPercent: 20 },
    });
    expect(resolveSource(c, 'contractors')).toEqual({
      name: 'contractors',
      mapping: 'c.json',
      kind: 'changes',
      resendAfterDays: 0,
      guard: { maxDisables: 10, maxShrinkPercent: 50, maxRejectedPercent: 10, maxFailedPercent: 20 },
    });
  });

  it('without a file, has one full default source, and every folder gets the same settings', () => {
    const c = defaultSources('hrsync-config/mapping.json');
    expect(resolveSource(c, 'default')).toMatchObject({ name: 'default', kind: 'full', mapping: 'hrsync-config/mapping.json', resendAfterDays: 7 });
    expect(resolveSource(c, 'hr')).toMatchObject({ name: 'hr', kind: 'full', mapping: 'hrsync-config/mapping.json' });
  });

  it('refuses a source the file does not name, with a hint', () => {
    const c = parseSources(doc({ employees: { mapping: 'e.json', kind: 'full' } }), 'sources.json');
    expect(() => resolveSource(c, 'employes')).toThrow(/source "employes" is not in the sources file \(did you mean "employees"\?\); it names "employees"/);
    expect(() => resolveSource(c, 'default')).toThrow(/top level of the extracts container belongs to source "default"/);
  });

  it.each([
    [[], /must be a JSON object/],
    [{ version: 2, sources: {} }, /version: must be 1/],
    [{ version: 1, sources: {} }, /sources: must be an object naming at least one source/],
    [{ version: 1, sorces: {} }, /sorces: is not a sources file key \(did you mean "sources"\?\)/],
    [doc({ 'h r': { mapping: 'm', kind: 'full' } }), /sources\.h r: a source name is the folder/],
    [doc({ hr: { kind: 'full' } }), /sources\.hr\.mapping: must name the mapping file/],
    [doc({ hr: { mapping: 'm', kind: 'delta' } }), /sources\.hr\.kind: must be "full"/],
    [doc({ hr: { mapping: 'm', kind: 'full', resendAfterDays: -1 } }), /resendAfterDays: must be a whole number/],
    [doc({ hr: { mapping: 'm', kind: 'full', guard: { maxDisable: 3 } } }), /guard\.maxDisable: is not a guard threshold \(did you mean "maxDisables"\?\)/],
    [doc({ hr: { mapping: 'm', kind: 'full', guard: { maxShrinkPercent: 101 } } }), /guard\.maxShrinkPercent: must be a whole number from 0 to 100/],
    [doc({ hr: { mapping: 'm', kind: 'full', mode: 'x' } }), /sources\.hr\.mode: is not a source setting/],
  ])('names the key at fault: %j', (value, message) => {
    expect(() => parseSources(value, 'sources.json')).toThrow(SourcesError);
    expect(() => parseSources(value, 'sources.json')).toThrow(message);
  });

  it('names the line and column of a JSON syntax error', () => {
    expect(() => parseSourcesJson('{\n  "version": 1,\n  "sources": {,}\n}', 's.json')).toThrow(/s\.json: not valid JSON at line 3, column 15/);
  });

  it('loads a file from disk, with mappings relative to it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hrsync-sources-'));
    try {
      await writeFile(join(dir, 'sources.json'), JSON.stringify(doc({ hr: { mapping: 'maps/hr.json', kind: 'full' } })));
      const c = await loadSourcesFile(join(dir, 'sources.json'));
      expect(mappingFileOf(join(dir, 'sources.json'), resolveSource(c, 'hr'))).toBe(join(dir, 'maps', 'hr.json'));
      await expect(loadSourcesFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the sources file: no such file/);
      await expect(loadSourcesFile(dir)).rejects.toThrow(/it is a folder/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
