// report.html as a person sees it: opened from disk in Debian's Chromium (playwright-core, one
// browser for the file), with every network request blocked and counted. Checks that the counts
// and the charts render at the sizes their numbers say, that no label runs out of its chart and
// that nothing is fetched or run; screenshots go to $HRSYNC_REPORT_SCREENSHOTS (default
// <tmp>/hrsync-report-html-shots) to be looked at. Skipped, saying so, where /usr/bin/chromium is absent.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportHtml } from '../../../lib/pipeline/report-html.js';
import type { RunRequest } from '../../../lib/pipeline/ports.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { cleanRun, heldRun, problemRun } from './report-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const SKIPPED = `skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`;
if (!present) console.warn(`report-html-browser.test.ts ${SKIPPED}`);
const SHOTS = process.env.HRSYNC_REPORT_SCREENSHOTS ?? join(tmpdir(), 'hrsync-report-html-shots');

// Chart texts whose box runs outside their SVG's viewBox, and the page's horizontal overflow.
const LAYOUT = `(() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const vb = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > vb.width + 0.5 || b.y + b.height > vb.height + 0.5) out.push(svg.dataset.chart + ': ' + t.textContent);
    }
  }
  return { outside: out, overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, resources: performance.getEntriesByType('resource').length };
})()`;

describe.skipIf(!present)(`report.html in Chromium${present ? '' : ` (${SKIPPED})`}`, () => {
  let context: BrowserContext;
  let dir: string;
  const network: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hrsync-report-html-'));
    await mkdir(SHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1100, height: 900 },
    });
    // The page is opened from disk; anything else it asks for is a failure, and is not let out.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      network.push(url);
      return route.abort();
    });
    context.on('request', (r) => {
      if (!r.url().startsWith('file:')) network.push(r.url());
    });
    context.on('page', (p) => {
      p.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      p.on('pageerror', (e) => errors.push(e.message));
      p.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function open(name: string, report: RunReport, requests: RunRequest[]): Promise<Page> {
    const file = join(dir, name, 'report.html');
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(file, reportHtml(report, requests));
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return page;
  }

  async function check(page: Page, name: string): Promise<void> {
    const layout = (await page.evaluate(LAYOUT)) as { outside: string[]; overflow: number; resources: number };
    expect(layout).toEqual({ outside: [], overflow: 0, resources: 0 });
    const shot = join(SHOTS, `${name}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(20_000);
    expect({ network, dialogs, errors }).toEqual({ network: [], dialogs: [], errors: [] });
  }

  async function width(page: Page, selector: string): Promise<number> {
    const box = await page.locator(selector).boundingBox();
    if (box === null) throw new Error(`${selector} is not rendered`);
    return box.width;
  }

  it('renders a clean run: the summary, outcome bars as wide as their counts, one column of calls per bucket', async () => {
    const { report, requests } = cleanRun();
    const page = await open('clean', report, requests);
    expect(await page.title()).toBe(`hrsync run ${report.runId}: complete in 4 min 5 s`);
    expect(await page.locator('[data-headline]').textContent()).toBe('complete in 4 min 5 s');
    expect(await page.locator('[data-headline]').isVisible()).toBe(true);
    expect(await page.locator('#next').textContent()).toContain('Nothing to do');
    const outcomes = 'svg[data-chart="outcomes"]';
    expect(await width(page, outcomes)).toBeGreaterThan(600);
    const full = await width(page, `${outcomes} rect[data-key="updated"]`);
    expect(full).toBeCloseTo(360, 0);
    expect(await width(page, `${outcomes} rect[data-key="created"]`)).toBeCloseTo((full * 120) / 260, 0);
    expect(await width(page, `${outcomes} rect[data-key="skipped"]`)).toBeCloseTo((full * 20) / 260, 0);
    for (const [key, label, count] of [
      ['created', 'created', '120'],
      ['updated', 'updated', '260'],
      ['skipped', 'skipped (nothing to change)', '20'],
      ['deadLettered', 'dead-lettered', '0'],
    ]) {
      expect(await page.locator(`${outcomes} g[data-key="${key}"] text`).allTextContents()).toEqual([label, count]);
    }
    const shares = await page
      .locator('svg[data-chart="shares"] rect')
      .evaluateAll((rs) => rs.map((r) => (r as unknown as { getAttribute(n: string): string }).getAttribute('data-key')));
    expect(shares).toEqual(['created', 'updated', 'skipped']);

    const requestsChart = 'svg[data-chart="requests"]';
    expect(await page.locator(`${requestsChart} rect[data-kind="accepted"]`).count()).toBe(8);
    expect(await page.locator(`${requestsChart} rect[data-kind="not-accepted"]`).count()).toBe(1);
    const one = await page.locator(`${requestsChart} rect[data-kind="accepted"]`).first().boundingBox();
    const throttled = await page.locator(`${requestsChart} rect[data-kind="not-accepted"]`).boundingBox();
    // Two calls at most in a bucket: one call is half the plot's 150 units.
    expect(one?.height).toBeCloseTo(75, 0);
    expect(throttled?.height).toBeCloseTo(75, 0);
    expect(await page.locator(`${requestsChart}`).getAttribute('aria-label')).toBe('bulkUpload calls per 5 s from 02:00:10 to 02:03:10 UTC');
    await check(page, 'clean');
    await page.close();
  });

  it('renders a run with rejected and dead-lettered records: rules with their lines, codes and masked reasons, what to do', async () => {
    const { report, requests } = problemRun();
    const page = await open('problems', report, requests);
    expect(await page.locator('[data-headline]').textContent()).toBe('complete in 5 min 0 s, with problems');
    expect(await page.locator('#next li').count()).toBe(3);
    expect(await page.locator('#next li').first().textContent()).toBe(report.nextSteps[0]);
    expect(await page.locator('section.rule h3').allTextContents()).toEqual([
      'email-format — 2 problems',
      'date-format — 1 problem',
      'duplicate-externalId — 1 problem',
      'required — 1 problem',
    ]);
    expect(await page.locator('section.rule[data-rule="email-format"] tbody tr').allInnerTexts()).toEqual([
      '4\tE000505\tEmail\temails[0].value\temails[0].value is not a well-formed email address',
      '12\tE000513\tEmail\temails[0].value\temails[0].value is not a well-formed email address',
    ]);
    const rules = 'svg[data-chart="rejected-rules"]';
    expect(await width(page, `${rules} rect[data-key="date-format"]`)).toBeCloseTo((await width(page, `${rules} rect[data-key="email-format"]`)) / 2, 0);
    const dead = page.locator('#dead-lettered ~ .scroll').first().locator('tbody tr');
    expect(await dead.count()).toBe(3);
    expect(await dead.nth(1).innerText()).toBe(
      "2\tE000501\t1\tAzureActiveDirectoryConflictingUserPrincipalName\tThe userPrincipalName '***@contoso.com' for *** *** is already used.",
    );
    expect(await dead.nth(0).innerText()).toMatch(/^leaver\tE000777\t5\tAzureActiveDirectoryForbidden\t/);
    const codes = 'svg[data-chart="dead-letter-codes"]';
    expect(await page.locator(`${codes} text`).allTextContents()).toEqual(['AzureActiveDirectoryConflictingUserPrincipalName', '2', 'AzureActiveDirectoryForbidden', '1']);
    expect(await page.locator('svg[data-chart="outcomes"] g[data-key="rejected"] text').allTextContents()).toEqual(['rows rejected', '4']);
    expect(await page.locator('svg[data-chart="requests"] rect[data-kind="not-accepted"]').getAttribute('data-count')).toBe('2');
    await check(page, 'problems');
    // Narrow, as on a phone: the charts shrink with the page rather than running off it.
    await page.setViewportSize({ width: 420, height: 900 });
    await check(page, 'problems-narrow');
    await page.close();
  });

  it('renders a held run: each threshold against its limit, nothing sent', async () => {
    const { report, requests } = heldRun();
    const page = await open('held', report, requests);
    expect(await page.locator('[data-headline]').textContent()).toBe('HELD: nothing was sent');
    const disables = 'svg[data-threshold="maxDisables"]';
    const actual = await page.locator(`${disables} rect[data-kind="actual"]`).boundingBox();
    const limit = await page.locator(`${disables} line[data-kind="limit"]`).boundingBox();
    const track = await width(page, `${disables} rect >> nth=0`);
    expect(actual?.width).toBeCloseTo(track / 1.15, 0);
    expect((limit?.x ?? 0) + (limit?.width ?? 0) / 2 - (actual?.x ?? 0)).toBeCloseTo((track * 250) / (612 * 1.15), 0);
    expect(await page.locator(`${disables} text`).allTextContents()).toEqual(['612', 'limit 250']);
    expect(await page.locator('svg[data-threshold="maxShrinkPercent"] text').allTextContents()).toEqual(['24%', 'limit 20%']);
    expect(await page.locator('.threshold p').first().textContent()).toContain('612 people to disable, more than the 250 allowed');
    expect(await page.locator('#requests + p').textContent()).toBe("No bulkUpload call carried this run's records (a held run sends nothing).");
    expect(await page.locator('svg[data-chart="requests"]').count()).toBe(0);
    expect(await page.locator('#next li').textContent()).toContain(`hrsync approve ${report.runId}`);
    await check(page, 'held');
    await page.close();
  });

  it("shows a crafted extract's values as text: nothing runs, loads or breaks out", async () => {
    const { report, requests } = problemRun();
    const evil = '<script>alert(1)</script><img src="https://example.invalid/x.png" onerror="alert(2)">';
    const page = await open(
      'crafted',
      {
        ...report,
        file: `hr-extracts/${evil}.csv`,
        rejected: [{ line: 2, externalId: 'E2', column: `"><iframe src="https://example.invalid/"></iframe>`, rule: `r${evil}`, message: evil }],
        deadLettered: [{ line: 3, externalId: 'E3', attempts: 1, errorCode: `</svg>${evil}`, reason: '<style>body{display:none}</style>' }],
      },
      requests,
    );
    expect(await page.locator('script, img, iframe, object, embed, link').count()).toBe(0);
    expect(await page.locator('section.rule td').last().textContent()).toBe(evil);
    expect(await page.locator('p.sub').textContent()).toContain(`hr-extracts/${evil}.csv`);
    expect(await page.locator('main').isVisible()).toBe(true);
    await check(page, 'crafted');
    await page.close();
  });
});
