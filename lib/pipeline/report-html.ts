// The run report as one page a person can open from the reports container or a mail: what
// happened, what to do, the outcomes and the requests as charts, then each problem by line.
// It must open anywhere without reaching out — inline CSS and SVG, no script, and a Content
// Security Policy that forbids anything else — and, like problems.csv, it names rows by line,
// externalId, column and rule only. Every value goes through one escaping template: externalIds,
// column names and file names come from an extract anyone could have crafted.
import type { HeldThreshold, RunRequest } from './ports.js';
import type { RunReport } from './report.js';
import { shortExternalId } from '../scim/problem.js';

/** Rows of one section shown on the page; the rest are in problems.csv and report.json. */
export const HTML_ROWS_SHOWN = 500;

class Html {
  constructor(readonly text: string) {}
}
type Part = Html | string | number | undefined | readonly Html[];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Interpolations are text unless they are Html already: a value cannot become markup by accident.
function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((p, i) => {
    if (p instanceof Html) out += p.text;
    else if (Array.isArray(p)) out += (p as readonly Html[]).map((h) => h.text).join('');
    else if (typeof p === 'number') out += Number.isFinite(p) ? String(p) : '0';
    else if (typeof p === 'string') out += escapeHtml(p);
    out += strings[i + 1] ?? '';
  });
  return new Html(out);
}

const NONE = new Html('');

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

// Times as a person reads them: UTC, to the second, with the zone said.
function when(iso: string | undefined): string {
  if (iso === undefined) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function whenMs(ms: number): string {
  return Number.isFinite(ms) ? when(new Date(ms).toISOString()) : '—';
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function span(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

function lineOf(line: number | undefined): string {
  if (line === undefined) return 'file';
  return line === 0 ? 'leaver' : String(line);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

type Tone = 'good' | 'warn' | 'bad' | 'quiet';

function headline(r: RunReport): { text: string; tone: Tone } {
  const problems = r.counts.rejected + r.counts.deadLettered > 0;
  if (r.state === 'held') {
    const stopped = r.held?.some((h) => h.threshold === 'maxFailedPercent') === true;
    return { text: stopped ? 'HELD: sending stopped, too many failures' : 'HELD: nothing was sent', tone: 'bad' };
  }
  if (r.state === 'unusable') return { text: 'UNUSABLE: nothing was read or sent', tone: 'bad' };
  if (r.state === 'discarded' || r.state === 'superseded') return { text: `${r.state}: nothing was sent`, tone: 'quiet' };
  if (r.counts.open > 0) return { text: `in progress: ${plural(r.counts.open, 'record')} still open`, tone: 'warn' };
  const took = r.endedAt === undefined ? '' : ` in ${span(Date.parse(r.endedAt) - Date.parse(r.startedAt))}`;
  return { text: `complete${took}${problems ? ', with problems' : ''}`, tone: problems ? 'warn' : 'good' };
}

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;--good:#1a7f37;--warn:#9a6700;--bad:#cf222e;--quiet:#57606a}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:24px;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:19px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:20px 0 6px}
.sub{color:var(--muted);margin:0 0 16px;overflow-wrap:anywhere}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;font-size:14px;vertical-align:middle}
.badge.good{background:var(--good)}.badge.warn{background:var(--warn)}.badge.bad{background:var(--bad)}.badge.quiet{background:var(--quiet)}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0;padding:12px 16px;background:var(--panel);border:1px solid var(--line);border-radius:6px}
dl.summary dt{color:var(--muted)}dl.summary dd{margin:0;overflow-wrap:anywhere}
.next,.unusable{margin-top:16px}
.next{border:1px solid var(--line);border-left:4px solid var(--warn);border-radius:6px;padding:8px 16px 8px 12px;background:#fff8e5}
.next.bad{border-left-color:var(--bad);background:#ffebe9}
.next ol{margin:4px 0;padding-left:22px}.next li{margin:4px 0}
.done{margin-top:16px;border:1px solid var(--line);border-left:4px solid var(--good);border-radius:6px;padding:8px 16px 8px 12px;background:#dafbe1}
.unusable{border:1px solid var(--bad);border-radius:6px;padding:8px 16px;background:#ffebe9}
table{border-collapse:collapse;width:100%;min-width:760px;font-size:14px;margin:6px 0}
.scroll{overflow-x:auto}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--panel);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.id,td.code{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:13px;overflow-wrap:anywhere}
tbody tr:nth-child(even){background:#fafbfc}
.more{color:var(--muted);font-style:italic}
.note{color:var(--muted);font-size:14px}
svg{display:block;max-width:100%;height:auto;margin:8px 0}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",sans-serif;font-size:13px;fill:#1b1f24}
svg text.muted{fill:#57606a;font-size:12px}
footer{margin-top:40px;color:var(--muted);font-size:13px;border-top:1px solid var(--line);padding-top:8px}
@media print{main{max-width:none}.next,.unusable{break-inside:avoid}}
`;

/** One outcome of the run as the outcomes chart shows it. */
interface Outcome {
  key: string;
  label: string;
  count: number;
  color: string;
}

function outcomesOf(r: RunReport): Outcome[] {
  const c = r.counts;
  return [
    { key: 'created', label: 'created', count: c.created, color: '#1a7f37' },
    { key: 'updated', label: 'updated', count: c.updated, color: '#4ac26b' },
    { key: 'disabled', label: 'disabled', count: c.disabled, color: '#6e7781' },
    { key: 'unchanged', label: 'unchanged (not sent)', count: c.unchanged, color: '#afb8c1' },
    { key: 'skipped', label: 'skipped (nothing to change)', count: c.skipped, color: '#54aeff' },
    { key: 'deadLettered', label: 'dead-lettered', count: c.deadLettered, color: '#cf222e' },
    { key: 'held', label: 'held (not sent)', count: c.held, color: '#bf8700' },
    { key: 'open', label: 'still open', count: c.open, color: '#8250df' },
    { key: 'rejected', label: 'rows rejected', count: c.rejected, color: '#bc4c00' },
  ];
}

const BAR_MAX = 360;
const BAR_ROW = 26;
const LABEL_CHARS = 56;

// Labels are rules and service codes of any length: the label column fits the longest (at about
// 7.3 px a character at 13 px), and one past LABEL_CHARS is cut, whole in its tooltip.
function labelWidth(labels: readonly string[]): number {
  const longest = Math.max(0, ...labels.map((l) => Math.min(l.length, LABEL_CHARS + 1)));
  return Math.min(420, Math.max(120, Math.ceil(longest * 7.3) + 12));
}

function cut(label: string): string {
  return label.length > LABEL_CHARS + 1 ? `${label.slice(0, LABEL_CHARS)}…` : label;
}

// Horizontal bars scaled to the largest; a count too small to see still gets a sliver.
function barWidth(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.max(2, round1((count / max) * BAR_MAX));
}

function barChart(name: string, label: string, bars: readonly Outcome[], left = labelWidth(bars.map((b) => b.label))): Html {
  const max = Math.max(0, ...bars.map((b) => b.count));
  const height = bars.length * BAR_ROW + 8;
  const width = left + BAR_MAX + 90;
  const rows = bars.map((b, i) => {
    const y = 4 + i * BAR_ROW;
    const w = barWidth(b.count, max);
    return html`<g class="bar" data-key="${b.key}"><text x="${left - 8}" y="${y + 16}" text-anchor="end">${cut(b.label)}</text><rect x="${left}" y="${y + 3}" width="${w}" height="${BAR_ROW - 8}" rx="2" fill="${b.color}" data-key="${b.key}" data-count="${b.count}"><title>${b.label}: ${b.count}</title></rect><text x="${left + w + 6}" y="${y + 16}" class="count">${b.count}</text></g>`;
  });
  return html`<svg class="chart" data-chart="${name}" data-bar-max="${BAR_MAX}" role="img" aria-label="${label}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">${rows}</svg>`;
}

// The records of the run as one bar of their shares, in line with the bars below it, so a glance says "mostly green".
function shareBar(r: RunReport, left: number): Html {
  const parts = outcomesOf(r).filter((o) => o.key !== 'rejected' && o.count > 0);
  const total = parts.reduce((n, o) => n + o.count, 0);
  if (total === 0) return NONE;
  const width = left + BAR_MAX + 90;
  let x = left;
  const rects = parts.map((o) => {
    const w = round1((o.count / total) * BAR_MAX);
    const rect = html`<rect x="${round1(x)}" y="4" width="${w}" height="18" fill="${o.color}" data-key="${o.key}" data-count="${o.count}"><title>${o.label}: ${o.count} (${round1((o.count / total) * 100)}%)</title></rect>`;
    x += w;
    return rect;
  });
  return html`<svg class="chart" data-chart="shares" role="img" aria-label="${`records by outcome: ${parts.map((o) => `${o.label} ${o.count}`).join(', ')}`}" width="${width}" height="26" viewBox="0 0 ${width} 26" xmlns="http://www.w3.org/2000/svg"><text x="${left - 8}" y="18" text-anchor="end">${`all ${plural(total, 'record')}`}</text>${rects}</svg>`;
}

interface Column {
  head: string;
  width?: string;
  num?: boolean;
}

// Fixed column widths, so the tables of every rule line up under each other.
function table(columns: readonly Column[], rows: readonly Html[]): Html {
  const cols = columns.map((c) => (c.width === undefined ? html`<col>` : html`<col style="${`width:${c.width}`}">`));
  const heads = columns.map((c) => html`<th${c.num === true ? new Html(' class="num"') : NONE}>${c.head}</th>`);
  return html`<div class="scroll"><table style="table-layout:fixed"><colgroup>${cols}</colgroup><thead><tr>${heads}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

const STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);
const MAX_BUCKETS = 48;

interface Bucket {
  start: number;
  accepted: number;
  notAccepted: number;
  operations: number;
  requests: number;
}

/** The run's calls per time bucket: accepted calls, and the calls that were not (429s waited out included). */
export function requestBuckets(requests: readonly RunRequest[]): { step: number; buckets: Bucket[] } {
  const times = requests.map((q) => Date.parse(q.at)).filter((t) => !Number.isNaN(t));
  if (times.length === 0) return { step: 0, buckets: [] };
  // A loop, not Math.min(...times): a run resent over days can hold more requests than a call's arguments.
  const [first, last] = times.reduce(([lo, hi], t) => [Math.min(lo, t), Math.max(hi, t)], [Infinity, -Infinity]);
  const step = STEPS_MS.find((s) => (last - first) / s < MAX_BUCKETS) ?? Math.ceil((last - first + 1) / MAX_BUCKETS);
  const origin = Math.floor(first / step) * step;
  const count = Math.floor((last - origin) / step) + 1;
  const buckets: Bucket[] = Array.from({ length: count }, (_, i) => ({ start: origin + i * step, accepted: 0, notAccepted: 0, operations: 0, requests: 0 }));
  for (const q of requests) {
    const t = Date.parse(q.at);
    if (Number.isNaN(t)) continue;
    const b = buckets[Math.floor((t - origin) / step)];
    if (b === undefined) continue;
    const ok = q.status === 'accepted' ? 1 : 0;
    b.requests++;
    b.accepted += ok;
    b.notAccepted += (q.calls ?? 1) - ok;
    if (ok === 1) b.operations += q.operations;
  }
  return { step, buckets };
}

const REQ_LEFT = 48;
const REQ_PLOT_W = 600;
const REQ_PLOT_H = 150;

function stepText(ms: number): string {
  return ms < 60_000 ? `${ms / 1000} s` : ms < 3_600_000 ? `${ms / 60_000} min` : `${ms / 3_600_000} h`;
}

function requestsChart(requests: readonly RunRequest[]): Html {
  const { step, buckets } = requestBuckets(requests);
  const max = Math.max(1, ...buckets.map((b) => b.accepted + b.notAccepted));
  const slot = REQ_PLOT_W / buckets.length;
  const barW = round1(Math.max(1, Math.min(40, slot * 0.8)));
  const width = REQ_LEFT + REQ_PLOT_W + 16;
  const height = REQ_PLOT_H + 44;
  const bars = buckets.map((b, i) => {
    const x = round1(REQ_LEFT + i * slot + (slot - barW) / 2);
    const okH = round1((b.accepted / max) * REQ_PLOT_H);
    const badH = round1((b.notAccepted / max) * REQ_PLOT_H);
    const tip = `${clock(b.start)}–${clock(b.start + step)} UTC: ${plural(b.accepted, 'call')} accepted (${plural(b.operations, 'operation')}), ${b.notAccepted} not accepted`;
    return html`<g class="bucket" data-start="${new Date(b.start).toISOString()}"><title>${tip}</title>${okH > 0 ? html`<rect x="${x}" y="${round1(8 + REQ_PLOT_H - okH)}" width="${barW}" height="${okH}" fill="#0969da" data-kind="accepted" data-count="${b.accepted}"/>` : NONE}${badH > 0 ? html`<rect x="${x}" y="${round1(8 + REQ_PLOT_H - okH - badH)}" width="${barW}" height="${badH}" fill="#cf222e" data-kind="not-accepted" data-count="${b.notAccepted}"/>` : NONE}</g>`;
  });
  const first = buckets[0]?.start ?? 0;
  const end = (buckets[buckets.length - 1]?.start ?? 0) + step;
  const axis = html`<line x1="${REQ_LEFT}" y1="${8 + REQ_PLOT_H}" x2="${REQ_LEFT + REQ_PLOT_W}" y2="${8 + REQ_PLOT_H}" stroke="#8c959f"/><line x1="${REQ_LEFT}" y1="8" x2="${REQ_LEFT}" y2="${8 + REQ_PLOT_H}" stroke="#8c959f"/><text x="${REQ_LEFT - 6}" y="14" text-anchor="end" class="muted">${max}</text><text x="${REQ_LEFT - 6}" y="${8 + REQ_PLOT_H}" text-anchor="end" class="muted">0</text><text x="${REQ_LEFT}" y="${REQ_PLOT_H + 26}" class="muted">${clock(first)} UTC</text><text x="${REQ_LEFT + REQ_PLOT_W}" y="${REQ_PLOT_H + 26}" text-anchor="end" class="muted">${clock(end)} UTC</text><text x="${REQ_LEFT + REQ_PLOT_W / 2}" y="${REQ_PLOT_H + 26}" text-anchor="middle" class="muted">${`calls per ${stepText(step)}`}</text><rect x="${REQ_LEFT}" y="${REQ_PLOT_H + 34}" width="10" height="10" fill="#0969da"/><text x="${REQ_LEFT + 14}" y="${REQ_PLOT_H + 43}" class="muted">accepted</text><rect x="${REQ_LEFT + 90}" y="${REQ_PLOT_H + 34}" width="10" height="10" fill="#cf222e"/><text x="${REQ_LEFT + 104}" y="${REQ_PLOT_H + 43}" class="muted">not accepted (throttled, failing)</text>`;
  return html`<svg class="chart" data-chart="requests" data-step-ms="${step}" data-max="${max}" role="img" aria-label="${`bulkUpload calls per ${stepText(step)} from ${clock(first)} to ${clock(end)} UTC`}" width="${width}" height="${height + 4}" viewBox="0 0 ${width} ${height + 4}" xmlns="http://www.w3.org/2000/svg">${axis}${bars}</svg>`;
}

function requestsSection(r: RunReport, requests: readonly RunRequest[]): Html {
  const q = r.requests;
  const head = html`<h2 id="requests">Requests over time</h2>`;
  if (requests.length === 0) {
    const why =
      r.state === 'held' || r.state === 'discarded' || r.state === 'superseded'
        ? ' (a held run sends nothing)'
        : r.state === 'unusable'
          ? ' (nothing was read)'
          : r.counts.confirmed + r.counts.disabled + r.counts.skipped + r.counts.deadLettered > 0
            ? ''
            : ' (nothing needed sending)';
    return html`${head}<p class="note" data-requests="0">No bulkUpload call carried this run's records${why}.</p>`;
  }
  const times = requests.map((x) => Date.parse(x.at)).filter((t) => !Number.isNaN(t));
  const [first, last] = times.reduce(([lo, hi], t) => [Math.min(lo, t), Math.max(hi, t)], [Infinity, -Infinity]);
  const operations = requests.filter((x) => x.status === 'accepted').reduce((n, x) => n + x.operations, 0);
  const statuses = new Map<string, number>();
  for (const x of requests) {
    const notAccepted = (x.calls ?? 1) - (x.status === 'accepted' ? 1 : 0);
    // A request accepted after waiting out a 429 made its other calls throttled.
    const why = x.status === 'accepted' ? 'throttled, then accepted' : x.status;
    if (notAccepted > 0) statuses.set(why, (statuses.get(why) ?? 0) + notAccepted);
  }
  const notAccepted = [...statuses]
    .sort((a, b) => b[1] - a[1])
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return html`${head}<p data-requests="${q.total}">${plural(q.total, 'bulkUpload call')}: ${q.accepted} accepted, carrying ${plural(operations, 'operation')}${q.notAccepted > 0 ? `; ${q.notAccepted} not accepted (${notAccepted})` : ''}; first at ${whenMs(first)}, last at ${whenMs(last)}. Every call counts against the daily budget.</p>${requestsChart(requests)}`;
}

const THRESHOLDS: Record<string, { label: string; unit: string }> = {
  maxDisables: { label: 'people to disable', unit: '' },
  maxShrinkPercent: { label: 'rows fewer than the last full extract', unit: '%' },
  maxRejectedPercent: { label: 'rows rejected', unit: '%' },
  maxFailedPercent: { label: 'records failed in the provisioning logs', unit: '%' },
};

// Each threshold as the actual number against its limit, the limit marked, so "how far over" shows.
function thresholdChart(h: HeldThreshold): Html {
  const t = THRESHOLDS[h.threshold] ?? { label: h.threshold, unit: '' };
  const scale = Math.max(h.actual, h.limit, 1) * 1.15;
  const plot = 420;
  const w = round1((Math.max(0, h.actual) / scale) * plot);
  const lx = round1((h.limit / scale) * plot);
  const width = plot + 150;
  return html`<svg class="chart" data-chart="threshold" data-threshold="${h.threshold}" role="img" aria-label="${`${t.label}: ${h.actual}${t.unit}, limit ${h.limit}${t.unit}`}" width="${width}" height="46" viewBox="0 0 ${width} 46" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="6" width="${plot}" height="18" fill="#eaeef2"/><rect x="0" y="6" width="${w}" height="18" fill="${h.actual > h.limit ? '#cf222e' : '#1a7f37'}" data-kind="actual" data-count="${h.actual}"/><text x="${w + 6}" y="20">${`${h.actual}${t.unit}`}</text><line x1="${lx}" y1="0" x2="${lx}" y2="30" stroke="#1b1f24" stroke-width="2" data-kind="limit" data-count="${h.limit}"/><text x="${lx}" y="43" text-anchor="middle" class="muted">${`limit ${h.limit}${t.unit}`}</text></svg>`;
}

function heldSection(r: RunReport): Html {
  const held = r.held ?? [];
  if (held.length === 0) return NONE;
  const stopped = held.some((h) => h.threshold === 'maxFailedPercent');
  const items = held.map((h) => {
    const t = THRESHOLDS[h.threshold] ?? { label: h.threshold, unit: '' };
    return html`<div class="threshold" data-threshold="${h.threshold}"><h3>${t.label} <span class="note">(${h.threshold})</span></h3><p>${h.message}</p>${thresholdChart(h)}</div>`;
  });
  const intro =
    r.state === 'held'
      ? stopped
        ? "The run stopped sending: the share of failures in the provisioning logs went over the source's limit. What it had not sent is held."
        : 'The guard held the run before anything was sent: it went over these thresholds of the source.'
      : 'The run went over these thresholds.';
  return html`<h2 id="held">${stopped ? 'Stopped' : 'Held'}: ${plural(held.length, 'threshold')}</h2><p>${intro}</p>${items}`;
}

function more(shown: number, total: number, where: string): Html {
  return total > shown ? html`<p class="more">… and ${total - shown} more in ${where}.</p>` : NONE;
}

function rejectedSection(r: RunReport): Html {
  if (r.rejected.length === 0) return NONE;
  const byRule = new Map<string, RunReport['rejected']>();
  for (const p of r.rejected) byRule.set(p.rule, [...(byRule.get(p.rule) ?? []), p]);
  const groups = [...byRule].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const chart = barChart(
    'rejected-rules',
    `rejected row problems by rule: ${groups.map(([rule, rows]) => `${rule} ${rows.length}`).join(', ')}`,
    groups.map(([rule, rows]) => ({ key: rule, label: rule, count: rows.length, color: '#bc4c00' })),
  );
  const sections = groups.map(([rule, rows]) => {
    const shown = rows.slice(0, HTML_ROWS_SHOWN);
    const body = shown.map(
      (p) =>
        html`<tr><td class="num">${lineOf(p.line)}</td><td class="id">${p.externalId === undefined ? '' : shortExternalId(p.externalId)}</td><td>${p.column ?? ''}</td><td class="code">${p.attribute ?? ''}</td><td>${p.message}</td></tr>`,
    );
    return html`<section class="rule" data-rule="${rule}"><h3><span class="code">${rule}</span> — ${plural(rows.length, 'problem')}</h3>${table([{ head: 'line', width: '64px', num: true }, { head: 'externalId', width: '170px' }, { head: 'column', width: '130px' }, { head: 'attribute', width: '210px' }, { head: 'problem' }], body)}${more(shown.length, rows.length, 'problems.csv')}</section>`;
  });
  return html`<h2 id="rejected">Rejected rows, by rule</h2><p>${plural(r.counts.rejected, 'row was', 'rows were')} rejected before sending (${plural(r.rejected.length, 'problem')}). They were not sent; the people on them are neither updated nor disabled.</p>${groups.length > 1 ? chart : NONE}${sections}`;
}

function deadLetteredSection(r: RunReport): Html {
  const dead = r.deadLettered;
  if (dead.length === 0) return NONE;
  const byCode = new Map<string, number>();
  for (const d of dead) byCode.set(d.errorCode ?? 'no code', (byCode.get(d.errorCode ?? 'no code') ?? 0) + 1);
  const codes = [...byCode].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = dead.slice(0, HTML_ROWS_SHOWN);
  const body = shown.map(
    (d) =>
      html`<tr><td class="num">${lineOf(d.line)}</td><td class="id">${shortExternalId(d.externalId)}</td><td class="num">${d.attempts}</td><td class="code">${d.errorCode ?? ''}</td><td>${d.reason ?? 'no reason given'}</td></tr>`,
  );
  const chart =
    codes.length > 1
      ? barChart(
          'dead-letter-codes',
          `dead-lettered records by error code: ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}`,
          codes.map(([code, n]) => ({ key: code, label: code, count: n, color: '#cf222e' })),
        )
      : NONE;
  return html`<h2 id="dead-lettered">Dead-lettered records</h2><p>${plural(dead.length, 'record')} will not succeed without a person's help. The code and reason are the provisioning service's, with names and addresses masked.</p>${chart}${table([{ head: 'line', width: '64px', num: true }, { head: 'externalId', width: '170px' }, { head: 'attempts', width: '80px', num: true }, { head: 'error code', width: '250px' }, { head: 'reason' }], body)}${more(shown.length, dead.length, 'problems.csv')}`;
}

function withoutManagerSection(r: RunReport): Html {
  const w = r.withoutManager ?? [];
  if (w.length === 0) return NONE;
  const shown = w.slice(0, HTML_ROWS_SHOWN);
  const body = shown.map(
    (x) =>
      html`<tr><td class="num">${lineOf(x.line)}</td><td class="id">${shortExternalId(x.externalId)}</td><td class="id">${shortExternalId(x.manager)}</td><td>${x.state}</td></tr>`,
  );
  return html`<h2 id="without-manager">Sent without their manager reference</h2><p>The manager failed in this run and is not in the directory yet; the reference follows on the night the manager exists.</p>${table([{ head: 'line', width: '64px', num: true }, { head: 'externalId', width: '170px' }, { head: 'manager (externalId)', width: '200px' }, { head: 'state' }], body)}${more(shown.length, w.length, 'report.json')}`;
}

function disabledSection(r: RunReport): Html {
  if (r.disabled.length === 0) return NONE;
  const shown = r.disabled.slice(0, HTML_ROWS_SHOWN);
  const why = r.disabledWhy;
  const body = shown.map((d) => html`<tr><td class="num">${lineOf(d.line)}</td><td class="id">${shortExternalId(d.externalId)}</td><td>${d.reason}</td></tr>`);
  return html`<h2 id="disabled">Disabled</h2><p>${plural(r.disabled.length, 'person', 'people')} disabled: ${why.absent} absent from the extract, ${why.inactive} with active: false${why.other > 0 ? `, ${why.other} disabled by the service` : ''}.</p>${table([{ head: 'line', width: '64px', num: true }, { head: 'externalId', width: '170px' }, { head: 'why' }], body)}${more(shown.length, r.disabled.length, 'problems.csv')}`;
}

function warningsSection(r: RunReport): Html {
  const warnings = r.plan?.warnings ?? [];
  if (warnings.length === 0) return NONE;
  const total = r.plan?.warningsTotal ?? warnings.length;
  const body = warnings
    .slice(0, HTML_ROWS_SHOWN)
    .map(
      (w) =>
        html`<tr><td class="num">${w.line === undefined ? '' : String(w.line)}</td><td class="id">${shortExternalId(w.externalId)}</td><td>${w.source}</td><td class="code">${w.rule}</td><td>${w.message}</td></tr>`,
    );
  return html`<h2 id="warnings">People two sources list</h2>${table([{ head: 'line', width: '64px', num: true }, { head: 'externalId', width: '170px' }, { head: 'source', width: '120px' }, { head: 'rule', width: '140px' }, { head: 'what happened' }], body)}${more(Math.min(warnings.length, HTML_ROWS_SHOWN), total, 'report.json')}`;
}

function planRows(r: RunReport): Html[] {
  const p = r.plan;
  if (p === undefined) return [];
  const rows = [
    html`<dt>planned</dt><dd>create ${p.create}, update ${p.update}, resend ${p.resend}${p.drift > 0 ? ` (${p.drift} drift repair)` : ''}, disable ${p.disableAbsent + p.disableInactive} (${p.disableAbsent} absent, ${p.disableInactive} active: false), unchanged ${p.unchanged}${p.otherSource > 0 ? `, ${p.otherSource} left to another source` : ''}</dd>`,
  ];
  if (p.fullResend !== undefined) rows.push(html`<dt>everyone sent</dt><dd>${p.fullResend}</dd>`);
  if (p.mappingChanged === true) rows.push(html`<dt>mapping</dt><dd>changed since the source's last run</dd>`);
  if (p.budget !== undefined && p.budget.days > 1)
    rows.push(
      html`<dt>budget</dt><dd>the run needs ${p.budget.requests} calls; ${p.budget.callsLeft} of ${p.budget.dailyCalls} were left at ingest: about ${p.budget.days} days to send it all</dd>`,
    );
  return rows;
}

function summary(r: RunReport): Html {
  const c = r.counts;
  const times = [
    html`<dt>started</dt><dd>${when(r.startedAt)}</dd>`,
    r.ingestedAt === undefined ? NONE : html`<dt>ingested</dt><dd>${when(r.ingestedAt)}</dd>`,
    r.endedAt === undefined ? NONE : html`<dt>ended</dt><dd>${when(r.endedAt)} (${span(Date.parse(r.endedAt) - Date.parse(r.startedAt))} after it started)</dd>`,
  ];
  const decision =
    r.decision === undefined ? NONE : html`<dt>decision</dt><dd>${r.decision.kind} at ${when(r.decision.at)}${r.decision.by === undefined ? '' : ` by ${r.decision.by}`}</dd>`;
  const rows =
    r.state === 'unusable'
      ? NONE
      : html`<dt>rows</dt><dd data-count="rows">${c.valid + c.rejected === r.rows ? `${r.rows}: ${c.valid} valid, ${c.rejected} rejected` : `${r.rows} (${c.valid} valid, ${c.rejected} rejected)`}</dd><dt>records</dt><dd>${c.records}${c.leavers > 0 ? ` (${c.leavers} of them leavers, on no line)` : ''}</dd>`;
  return html`<dl class="summary"><dt>run</dt><dd class="code">${r.runId}</dd><dt>state</dt><dd data-state="${r.state}">${r.state}</dd><dt>source</dt><dd>${r.source} (${r.kind})</dd><dt>file</dt><dd>${r.file}</dd>${times}${rows}${planRows(r)}${decision}</dl>`;
}

function outcomesSection(r: RunReport): Html {
  if (r.state === 'unusable') return NONE;
  const outcomes = outcomesOf(r);
  const left = labelWidth([...outcomes.map((o) => o.label), `all ${r.counts.records} records`]);
  const table = outcomes.map(
    (o) =>
      html`<tr data-outcome="${o.key}"><td><svg width="12" height="12" viewBox="0 0 12 12" style="display:inline;margin:0 6px 0 0;vertical-align:-1px" aria-hidden="true"><rect width="12" height="12" fill="${o.color}"/></svg>${o.label}</td><td class="num">${o.count}</td></tr>`,
  );
  return html`<h2 id="outcomes">Outcomes</h2><p>Every record ends in exactly one of these; rejected rows never became records.</p>${shareBar(r, left)}${barChart('outcomes', `outcomes: ${outcomes.map((o) => `${o.label} ${o.count}`).join(', ')}`, outcomes, left)}<details><summary>The same as a table</summary><table class="counts" style="width:auto"><tbody>${table}</tbody></table></details>`;
}

/** The run report as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched); requests are the run's bulkUpload calls from the ledger. */
export function reportHtml(report: RunReport, requests: readonly RunRequest[]): string {
  const head = headline(report);
  const done = report.state === 'complete' && report.counts.open === 0;
  const steps =
    report.nextSteps.length === 0
      ? done
        ? html`<p class="done" id="next">Nothing to do: every record of this run ended confirmed, disabled, unchanged or skipped.</p>`
        : NONE
      : html`<section class="next${head.tone === 'bad' ? ' bad' : ''}" id="next"><h2 style="border:0;margin:8px 0 0">What to do next</h2><ol>${report.nextSteps.map((s) => html`<li>${s}</li>`)}</ol></section>`;
  const unusable =
    report.unusable === undefined
      ? NONE
      : html`<section class="unusable" id="unusable"><h2 style="border:0;margin:8px 0 0">The ${report.unusable.rule === 'extract' ? 'extract' : report.unusable.rule === 'mapping' ? 'mapping' : 'sources file'} could not be used</h2><p>${report.unusable.message}</p></section>`;
  const page = html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${`hrsync run ${report.runId}: ${head.text}`}</title>
<style>${new Html(CSS)}</style></head>
<body><main>
<h1>Run ${report.runId} <span class="badge ${head.tone}" data-headline="">${head.text}</span></h1>
<p class="sub">${report.file} · source ${report.source} · ${report.kind} extract</p>
${summary(report)}
${unusable}
${steps}
${heldSection(report)}
${outcomesSection(report)}
${report.state === 'unusable' ? NONE : requestsSection(report, requests)}
${rejectedSection(report)}
${deadLetteredSection(report)}
${withoutManagerSection(report)}
${disabledSection(report)}
${warningsSection(report)}
<footer>hrsync run report · the same run as report.json and problems.csv beside it · rows are named by line and externalId, never by the person's name, email or address.</footer>
</main></body></html>
`;
  return page.text;
}
