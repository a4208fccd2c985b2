// The catalogue and its page: docs/telemetry.md lists every event with every field, every metric,
// and every alert rule infra/ deploys, so what ops read is what the code emits.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENTS, METRICS } from '../../../lib/telemetry/catalogue.js';

const page = readFileSync('docs/telemetry.md', 'utf8');
const rows = page.split('\n').filter((l) => l.startsWith('| `'));

describe('docs/telemetry.md', () => {
  it("lists every event with each of its fields, in the event's own row", () => {
    for (const e of Object.values(EVENTS)) {
      const row = rows.find((r) => r.startsWith(`| \`${e.name}\` |`));
      expect(row, e.name).toBeDefined();
      for (const f of e.fields) expect(row, `${e.name}.${f}`).toContain(`\`${f}\``);
    }
  });

  it('lists every metric and every alert rule in infra/', () => {
    for (const m of Object.values(METRICS)) expect(page, m.name).toContain(`\`${m.name}\``);
    const rules = [
      ...readFileSync('infra/modules/alerts.bicep', 'utf8').matchAll(/^resource \w+ 'Microsoft\.Insights\/scheduledQueryRules@[^']+' = \{\n\s+name: '(hrsync-[a-z-]+)'$/gm),
    ].map((m) => m[1] as string);
    expect(rules.length).toBeGreaterThanOrEqual(9);
    for (const r of rules)
      expect(
        rows.some((row) => row.startsWith(`| \`${r}\` |`)),
        r,
      ).toBe(true);
  });

  it('names every event once, under hrsync.', () => {
    const names = Object.values(EVENTS).map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^hrsync\.[a-z.]+$/);
  });
});
