// The run report as one HTML page: self-contained (no script, nothing it could fetch), the counts,
// charts and problems of the run, and every value from the extract escaped. What it looks like in
// a browser is report-html-browser.test.ts's.
import { describe, expect, it } from 'vitest';
import { HTML_ROWS_SHOWN, reportHtml, requestBuckets } from '../../../lib/pipeline/report-html.js';
import { reportCsv } from '../../../lib/pipeline/report.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import type { RunRequest } from '../../../lib/pipeline/ports.js';
import { cleanRun, heldRun, problemRun, unusableRun } from './report-fixtures.js';

/** The `<svg data-chart="name">…</svg>` of a page, or undefined. */
function chart(page: string, name: string): string | undefined {
  return new RegExp(`<svg class="chart" data-chart="${name}"[\\s\\S]*?</svg>`).exec(page)?.[0];
}

/** data-key → [data-count, width] of the bars of a chart. */
function bars(svg: string): Map<string, { count: number; width: number }> {
  const out = new Map<string, { count: number; width: number }>();
  for (const m of svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="\d+" rx="2" fill="#[0-9a-f]+" data-key="([^"]*)" data-count="(\d+)"/g)) {
    out.set(m[2] ?? '', { width: Number(m[1]), count: Number(m[3]) });
  }
  return out;
}

/** The tag and attribute names of a page, reading each tag as a browser would: a tag that is not well formed fails the test. */
function markup(page: string): { tags: Set<string>; attributes: Set<string> } {
  const tags = new Set<string>();
  const attributes = new Set<string>();
  const body = page.replace(/^<!DOCTYPE html>/, '').replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  const tag = /<\/?([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*(?:="[^"<]*")?)*)\s*\/?>/y;
  for (let at = body.indexOf('<'); at !== -1; at = body.indexOf('<', at + 1)) {
    tag.lastIndex = at;
    const m = tag.exec(body);
    if (m === null) throw new Error(`not a tag at ${at}: ${body.slice(at, at + 80)}`);
    tags.add(m[1]!.toLowerCase());
    for (const a of (m[2] ?? '').matchAll(/\s+([a-zA-Z][a-zA-Z0-9:-]*)(?:="[^"]*")?/g)) attributes.add(a[1]!.toLowerCase());
  }
  return { tags, attributes };
}

describe('reportHtml', () => {
  it('is one self-contained page: no script, no stylesheet or image to fetch, a policy forbidding both', () => {
    for (const { report, requests } of [cleanRun(), problemRun(), heldRun(), unusableRun()]) {
      const page = reportHtml(report, requests);
      expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'`);
      expect(page).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|@import|url\(|\bsrc=|\bhref=|\bon[a-z]+=/i);
      // The SVG namespace is a name, not an address anything loads.
      expect(page.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:|\/\//);
    }
  });

  it('shows a clean run: its summary, every outcome as a bar scaled to the largest, the requests over time, nothing to do', () => {
    const { report, requests } = cleanRun();
    const page = reportHtml(report, requests);
    expect(page).toContain(`<title>hrsync run ${report.runId}: complete in 4 min 5 s</title>`);
    expect(page).toContain('<dd>hr-extracts/hr/2026-12-06.csv</dd>');
    expect(page).toContain('<dd>2026-12-06 02:00:09 UTC</dd>');
    expect(page).toContain('<dd data-count="rows">400: 400 valid, 0 rejected</dd>');
    expect(page).toContain('Nothing to do: every record of this run ended confirmed, disabled, unchanged or skipped.');
    const outcomes = bars(chart(page, 'outcomes') ?? '');
    expect([...outcomes.keys()]).toEqual(['created', 'updated', 'disabled', 'unchanged', 'skipped', 'deadLettered', 'held', 'open', 'rejected']);
    expect(outcomes.get('updated')).toEqual({ count: 260, width: 360 });
    expect(outcomes.get('created')).toEqual({ count: 120, width: Math.round((120 / 260) * 3600) / 10 });
    expect(outcomes.get('skipped')).toEqual({ count: 20, width: Math.round((20 / 260) * 3600) / 10 });
    expect(outcomes.get('deadLettered')).toEqual({ count: 0, width: 0 });
    expect(chart(page, 'shares')).toContain('aria-label="records by outcome: created 120, updated 260, skipped (nothing to change) 20"');
    expect(page).toContain('9 bulkUpload calls: 8 accepted, carrying 400 operations; 1 not accepted (throttled, then accepted 1)');
    const req = chart(page, 'requests') ?? '';
    const accepted = [...req.matchAll(/data-kind="accepted" data-count="(\d+)"/g)].reduce((n, m) => n + Number(m[1]), 0);
    const notAccepted = [...req.matchAll(/data-kind="not-accepted" data-count="(\d+)"/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect([accepted, notAccepted]).toEqual([8, 1]);
    expect(req).toContain('calls per 5 s');
    expect(page).not.toContain('id="rejected"');
    expect(page).not.toContain('id="held"');
  });

  it('groups rejected rows by rule with their lines, lists dead-lettered records with code and masked reason, and says what to do for each', () => {
    const { report, requests } = problemRun();
    const page = reportHtml(report, requests);
    expect(page).toContain('complete in 5 min 0 s, with problems');
    const rules = [...page.matchAll(/<section class="rule" data-rule="([^"]+)">/g)].map((m) => m[1]);
    expect(rules).toEqual(['email-format', 'date-format', 'duplicate-externalId', 'required']);
    const emailFormat = /<section class="rule" data-rule="email-format">[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect([...emailFormat.matchAll(/<td class="num">(\d+)<\/td><td class="id">(E\d+)<\/td><td>Email<\/td>/g)].map((m) => [m[1], m[2]])).toEqual([
      ['4', 'E000505'],
      ['12', 'E000513'],
    ]);
    expect(bars(chart(page, 'rejected-rules') ?? '').get('email-format')).toEqual({ count: 2, width: 360 });
    expect(page).toContain(
      '<td class="num">leaver</td><td class="id">E000777</td><td class="num">5</td><td class="code">AzureActiveDirectoryForbidden</td><td>Insufficient privileges to complete the operation.</td>',
    );
    expect(page).toContain('The userPrincipalName &#39;***@contoso.com&#39; for *** *** is already used.');
    expect(bars(chart(page, 'dead-letter-codes') ?? '').get('AzureActiveDirectoryConflictingUserPrincipalName')).toEqual({ count: 2, width: 360 });
    for (const step of report.nextSteps) expect(page).toContain(`<li>${step.replaceAll("'", '&#39;').replaceAll('"', '&#34;')}</li>`);
    expect(report.nextSteps).toHaveLength(3);
    expect(page).toContain('5 bulkUpload calls: 3 accepted, carrying 6 operations; 2 not accepted (throttled 2)');
    expect(page).toMatch(/<td class="num">3<\/td><td class="id">E000502<\/td><td class="id">E000501<\/td><td>confirmed<\/td>/);
    expect(page).toContain('<td class="num">leaver</td><td class="id">E000900</td><td>absent from the extract</td>');
  });

  it("shows a held run's thresholds with their numbers before anything else, and that nothing was sent", () => {
    const { report, requests } = heldRun();
    const page = reportHtml(report, requests);
    expect(page).toContain('HELD: nothing was sent');
    expect(page.indexOf('id="held"')).toBeLessThan(page.indexOf('id="outcomes"'));
    expect(page).toContain('<h2 id="held">Held: 2 thresholds</h2>');
    expect(page).toContain('612 people to disable, more than the 250 allowed');
    const disables = /<svg class="chart" data-chart="threshold" data-threshold="maxDisables"[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
    expect(disables).toContain('aria-label="people to disable: 612, limit 250"');
    const actual = Number(/width="([\d.]+)" height="18" fill="#cf222e" data-kind="actual" data-count="612"/.exec(disables)?.[1]);
    const limit = Number(/<line x1="([\d.]+)"[^>]*data-kind="limit" data-count="250"/.exec(disables)?.[1]);
    expect(actual).toBeCloseTo(420 / 1.15, 0);
    expect(limit).toBeCloseTo((250 / (612 * 1.15)) * 420, 0);
    expect(page).toContain('<text x="297.5" y="43" text-anchor="middle" class="muted">limit 20%</text>'.replace('297.5', String(Math.round((20 / (24 * 1.15)) * 4200) / 10)));
    expect(page).toContain("No bulkUpload call carried this run's records (a held run sends nothing).");
    expect(page).toContain(`hrsync approve ${report.runId}`);
    expect(bars(chart(page, 'outcomes') ?? '').get('held')).toEqual({ count: 812, width: Math.round((812 / 1700) * 3600) / 10 });
  });

  it('says a sending run stopped over the failure share', () => {
    const { report } = heldRun();
    report.held = [{ threshold: 'maxFailedPercent', limit: 20, actual: 35, message: '70 of 200 outcomes failed (35%, at most 20% allowed)' }];
    const page = reportHtml(report, []);
    expect(page).toContain('HELD: sending stopped, too many failures');
    expect(page).toContain('<h2 id="held">Stopped: 1 threshold</h2>');
    expect(page).toContain('aria-label="records failed in the provisioning logs: 35%, limit 20%"');
  });

  it("shows an unusable run's reason and next step, without charts of what never happened", () => {
    const { report, requests } = unusableRun();
    const page = reportHtml(report, requests);
    expect(page).toContain('UNUSABLE: nothing was read or sent');
    expect(page).toContain(
      '<h2 style="border:0;margin:8px 0 0">The mapping could not be used</h2><p>hrsync-config/mapping.json: attributes.emails[0].value: column &#34;Email&#34; (did you mean &#34;E-mail&#34;?) is not in the header of hr-extracts/renamed.csv</p>',
    );
    expect(page).not.toContain('data-chart="outcomes"');
    expect(page).not.toContain('id="requests"');
  });

  it('says a run still moving is in progress with its open records', () => {
    const { report, requests } = cleanRun();
    const moving: RunReport = { ...report, endedAt: undefined, counts: { ...report.counts, created: 100, confirmed: 360, open: 20 } };
    expect(reportHtml(moving, requests)).toContain('in progress: 20 records still open');
  });

  it('escapes every value from a crafted extract: ids, columns, rules, messages, file, source and run', () => {
    const evil = '<script>alert(1)</script>';
    const attr = '"><img src=x onerror=alert(2)>';
    const { report, requests } = problemRun();
    const crafted: RunReport = {
      ...report,
      runId: `r${evil}`,
      file: `hr-extracts/${attr}.csv`,
      source: `s${evil}`,
      rejected: [{ line: 2, externalId: evil, column: attr, attribute: `</style>${evil}`, rule: `x${attr}`, message: `bad & ${evil}` }],
      deadLettered: [
        { line: 3, externalId: attr, attempts: 1, errorCode: `</svg>${evil}`, reason: `<iframe src="javascript:alert(3)">` },
        { line: 4, externalId: 'E4', attempts: 1, errorCode: 'Other' },
      ],
      disabled: [{ line: 0, externalId: `</td>${evil}`, reason: attr }],
      withoutManager: [{ line: 5, externalId: 'E5', manager: evil, state: 'confirmed' }],
      held: [{ threshold: `t${attr}`, limit: 1, actual: 2, message: evil }],
      decision: { kind: 'approved', at: '2026-12-06T03:00:00.000Z', by: evil },
      plan: {
        create: 0,
        update: 0,
        resend: 0,
        drift: 0,
        disableAbsent: 0,
        disableInactive: 0,
        unchanged: 0,
        otherSource: 1,
        incompleteDisables: 0,
        fullResend: evil,
        warnings: [{ rule: attr, externalId: evil, line: 6, source: evil, message: attr }],
        warningsTotal: 1,
      },
      unusable: { rule: 'extract', message: evil },
      nextSteps: [evil],
    };
    const page = reportHtml(crafted, [...requests, { requestId: evil, at: '2026-12-06T02:01:00.000Z', operations: 1, status: evil }]);
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<iframe');
    // Every tag and attribute is the page's own, whatever the values: nothing broke out of its text or its quotes.
    const own = [cleanRun(), problemRun(), heldRun(), unusableRun()].map((f) => markup(reportHtml(f.report, f.requests)));
    const found = markup(page);
    expect([...found.tags].filter((t) => !own.some((o) => o.tags.has(t)))).toEqual([]);
    expect([...found.attributes].filter((a) => !own.some((o) => o.attributes.has(a)))).toEqual([]);
    expect(found.attributes.has('onerror')).toBe(false);
    expect(page.match(/<\/style>/g)).toHaveLength(1);
    expect(page.match(/<\/svg>/g)?.length).toBe(page.match(/<svg /g)?.length);
    expect(page).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page).toContain('&#34;&#62;&#60;img src=x onerror=alert(2)&#62;');
    expect(page).toContain('bad &#38; &#60;script&#62;');
  });

  it('holds what problems.csv holds for people, never more: no value the report does not carry', () => {
    const { report, requests } = problemRun();
    const page = reportHtml(report, requests);
    const csv = reportCsv(report);
    for (const id of [...report.rejected.map((r) => r.externalId), ...report.deadLettered.map((d) => d.externalId)]) {
      if (id !== undefined) expect(csv.includes(id) && page.includes(id)).toBe(true);
    }
    // Text content: everything between tags, minus the page's own words, is a line, an id, a column, a rule, a code or a message of the report.
    expect(page.replace(/<style>[\s\S]*?<\/style>/, '')).not.toMatch(/@(?!contoso\.com)[a-z]/i);
  });

  it('shortens a long externalId as elsewhere and cuts long lists with a count of the rest', () => {
    const { report, requests } = problemRun();
    const longId = `X${'0123456789'.repeat(10)}`;
    const rejected = Array.from({ length: HTML_ROWS_SHOWN + 7 }, (_, i) => ({
      line: i + 2,
      externalId: i === 0 ? longId : `E${i}`,
      column: 'Email',
      rule: 'email-format',
      message: 'not an email',
    }));
    const page = reportHtml({ ...report, rejected, counts: { ...report.counts, rejected: rejected.length } }, requests);
    expect(page).not.toContain(longId);
    expect(page).toContain(`${longId.slice(0, 24)}…${longId.slice(-8)} (101 characters)`);
    expect(page).toContain('<p class="more">… and 7 more in problems.csv.</p>');
    expect(page.match(/<td class="num">\d+<\/td><td class="id">[^<]*<\/td><td>Email<\/td>/g)).toHaveLength(HTML_ROWS_SHOWN);
  });
});

describe('requestBuckets', () => {
  const q = (at: string, status = 'accepted', calls?: number, operations = 50): RunRequest => ({
    requestId: at,
    at,
    operations,
    status,
    ...(calls === undefined ? {} : { calls }),
  });

  it('counts accepted calls, the calls that were not (throttled before an accept included) and accepted operations per bucket', () => {
    const { step, buckets } = requestBuckets([
      q('2026-12-06T02:00:01.000Z'),
      q('2026-12-06T02:00:03.000Z', 'accepted', 3, 20),
      q('2026-12-06T02:00:07.000Z', 'throttled', 2, 10),
      q('2026-12-06T02:01:00.000Z'),
    ]);
    expect(step).toBe(2000);
    expect(buckets[0]).toEqual({ start: Date.parse('2026-12-06T02:00:00.000Z'), accepted: 1, notAccepted: 0, operations: 50, requests: 1 });
    expect(buckets[1]).toMatchObject({ accepted: 1, notAccepted: 2, operations: 20 });
    expect(buckets[3]).toMatchObject({ accepted: 0, notAccepted: 2, operations: 0 });
    expect(buckets.at(-1)).toMatchObject({ start: Date.parse('2026-12-06T02:01:00.000Z'), accepted: 1 });
    expect(buckets.length).toBeLessThanOrEqual(48);
    const all = buckets.reduce((n, b) => n + b.accepted + b.notAccepted, 0);
    expect(all).toBe(1 + 3 + 2 + 1);
  });

  it('keeps a night of 2,000 calls to at most 48 buckets, and one request to one', () => {
    const start = Date.parse('2026-12-06T00:00:00.000Z');
    const night = Array.from({ length: 2000 }, (_, i) => q(new Date(start + i * 40_000).toISOString()));
    const { step, buckets } = requestBuckets(night);
    expect(step).toBe(1_800_000);
    expect(buckets.length).toBeLessThanOrEqual(48);
    expect(buckets.reduce((n, b) => n + b.accepted, 0)).toBe(2000);
    expect(requestBuckets([q('2026-12-06T02:00:00.000Z')]).buckets).toHaveLength(1);
    // More requests than a function call takes arguments (a run resent over weeks), still bucketed.
    const weeks = Array.from({ length: 200_000 }, (_, i) => q(new Date(start + i * 20_000).toISOString()));
    expect(requestBuckets(weeks).buckets.length).toBeLessThanOrEqual(48);
    expect(reportHtml(cleanRun().report, weeks)).toContain('first at 2026-12-06 00:00:00 UTC');
    expect(requestBuckets([])).toEqual({ step: 0, buckets: [] });
  });
});
