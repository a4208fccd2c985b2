// local.settings.example.json must list every setting the app reads, so `func start` users miss none.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_SETTING_NAMES } from '../lib/config/names.js';

describe('local.settings.example.json', () => {
  const example = JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> };

  it('lists every setting lib/config reads, and nothing it does not', () => {
    const listed = Object.keys(example.Values)
      .filter((k) => k.startsWith('HRSYNC_'))
      .sort();
    expect(listed).toEqual([...APP_SETTING_NAMES].sort());
  });

  it('works with Azurite and the Node worker as-is', () => {
    expect(example.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    expect(example.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
  });

  it('documents each setting in docs/settings.md', () => {
    const doc = readFileSync('docs/settings.md', 'utf8');
    for (const name of APP_SETTING_NAMES) expect(doc).toContain(name);
  });
});
