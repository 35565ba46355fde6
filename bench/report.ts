/**
 * Turns a benchmark run into the printed table, bench/results/latest.json and a hand-written SVG
 * bar chart of each scenario's ratio to the bare fastify route, with the budgets marked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUN_BUDGETS, SCENARIOS, type NOT_YET_MEASURED } from './scenarios.js';
import type { SeedStats } from './seed-db.js';

export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'results');

export type Measured = { rps: number; p50: number; p99: number; requests: number; errors: number; unexpectedStatus: number };
export type ScenarioResult =
  | { key: string; title: string; skipped: string; flagged?: boolean; budget?: { text: string; pass: boolean } }
  | ({ key: string; title: string } & Measured & { ratio: number; budget?: { text: string; pass: boolean }; flagged: boolean });
export type BenchRun = {
  date: string;
  articles: number;
  seed: number;
  options: { connections: number; durationS: number; warmupS: number };
  /** Whether the server ran with its answer caches (the default) or with all of them off (`--no-caches`). */
  caches?: boolean;
  machine: { cpu: string; cores: number; node: string; loadavg: number[]; loadavgBefore: number };
  seedStats: SeedStats;
  context: Record<string, unknown>;
  bare: Measured;
  scenarios: ScenarioResult[];
  serverRssPeakMb: number;
  notYetMeasured: typeof NOT_YET_MEASURED;
  compare?: { small: BenchRun; large: BenchRun };
};

type Row = Extract<ScenarioResult, { rps: number }>;
const measured = (run: BenchRun) => run.scenarios.filter((s): s is Row => !('skipped' in s));
const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].length - [...s].filter((c) => c.charCodeAt(0) > 0x2e80).length));
const num = (n: number, digits = 0) => n.toFixed(digits).padStart(8);

export function rssBudget(run: BenchRun) {
  return { text: `server RSS ≤ ${RUN_BUDGETS.maxServerRssMb} MB (at 100k)`, pass: run.serverRssPeakMb <= RUN_BUDGETS.maxServerRssMb };
}

export function formatTable(run: BenchRun): string {
  const head = `${run.articles} articles${run.caches === false ? ' · caches off' : ''} · ${run.options.connections} connections × ${run.options.durationS} s · ${run.machine.cpu} (${run.machine.cores} cores) · node ${run.machine.node} · load ${run.machine.loadavg.join(' ')}`;
  const lines = [head, `${pad('scenario', 46)}   req/s    ×bare   p50 ms   p99 ms  errors  budget`];
  lines.push(`${pad('bare fastify route', 46)}${num(run.bare.rps)}    1.000${num(run.bare.p50, 1)}${num(run.bare.p99, 1)}${String(run.bare.errors).padStart(8)}`);
  for (const s of run.scenarios) {
    if ('skipped' in s) {
      const budget = s.budget ? ` — FAIL ${s.budget.text}` : '';
      lines.push(`${pad(s.title, 46)}${s.flagged ? '⚠ NOT MEASURED' : '  skipped'}: ${s.skipped}${budget}`);
      continue;
    }
    const errors = s.errors + s.unexpectedStatus;
    const budget = s.budget ? `${s.budget.pass ? 'PASS' : 'FAIL'} ${s.budget.text}` : '';
    lines.push(`${pad(s.title, 46)}${num(s.rps)}${num(s.ratio, 3).slice(-9).padStart(9)}${num(s.p50, 1)}${num(s.p99, 1)}${String(errors).padStart(8)}${s.flagged ? ' ⚠' : '  '}${budget}`);
  }
  const rss = rssBudget(run);
  lines.push(`server peak RSS ${run.serverRssPeakMb.toFixed(0)} MB — ${rss.pass ? 'PASS' : 'FAIL'} ${rss.text}`);
  for (const n of run.notYetMeasured) lines.push(`not measured: ${n.title} (${n.budget}) — ${n.why}`);
  const flagged = run.scenarios.filter((s) => s.flagged);
  if (flagged.length) lines.push(`⚠ errors or unexpected statuses in: ${flagged.map((s) => s.key).join(', ')} — their figures are not trustworthy`);
  return lines.join('\n') + '\n';
}

/** requests/s at 10k ÷ at 100k, per scenario: the "stays flat as the archive grows" budget. */
export function degradation(small: BenchRun, large: BenchRun) {
  const at = new Map(measured(large).map((s) => [s.key, s]));
  return measured(small).flatMap((s) => {
    const l = at.get(s.key);
    if (!l) return [];
    // Compared as ratios to each run's own bare route, so a noisier second run does not count as a slowdown.
    const factor = s.ratio / l.ratio;
    return [{ key: s.key, title: s.title, small: s.ratio, large: l.ratio, factor, pass: factor <= RUN_BUDGETS.maxDegradation }];
  });
}

export function formatComparison(small: BenchRun, large: BenchRun): string {
  const lines = [`degradation ${small.articles} → ${large.articles} articles (ratio to bare; budget: ≤ ${RUN_BUDGETS.maxDegradation}×)`];
  for (const d of degradation(small, large)) {
    lines.push(`${pad(d.title, 46)}${num(d.small, 3)}${num(d.large, 3)}   ${d.factor.toFixed(2)}×  ${d.pass ? 'PASS' : 'FAIL'}`);
  }
  return lines.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar per scenario (ratio to bare), the budget of each as a red mark across its bar. */
export function renderSvg(run: BenchRun): string {
  const rows = measured(run);
  const failed = run.scenarios.filter((s): s is Extract<ScenarioResult, { skipped: string }> => 'skipped' in s && s.flagged === true);
  const [labelW, barW, rowH, top] = [330, 440, 26, 56];
  const scale = Math.max(1, ...rows.map((r) => r.ratio));
  const x = (ratio: number) => Math.round((labelW + (ratio / scale) * barW) * 10) / 10;
  const height = top + (rows.length + failed.length) * rowH + 40;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 150}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Requests/s as a share of a bare fastify route (${esc(run.bare.rps.toFixed(0))} req/s)</text>`,
    `<text x="10" y="42" fill="#555">${run.articles} articles · ${run.options.connections} connections × ${run.options.durationS} s · ${esc(run.machine.cpu)}, ${run.machine.cores} cores · ${run.date.slice(0, 10)}</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1].filter((t) => t <= scale)) {
    out.push(`<line x1="${x(tick)}" y1="${top - 4}" x2="${x(tick)}" y2="${height - 30}" stroke="#ddd"/>`);
    out.push(`<text x="${x(tick)}" y="${height - 14}" text-anchor="middle" fill="#555">${tick}×</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const colour = r.flagged ? '#e69f00' : r.budget ? (r.budget.pass ? '#2e8b57' : '#c0392b') : '#5b7fa6';
    out.push(`<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(r.title)}</text>`);
    out.push(`<rect x="${labelW}" y="${y + 4}" width="${Math.max(1, x(r.ratio) - labelW).toFixed(1)}" height="${rowH - 8}" fill="${colour}"/>`);
    out.push(`<text x="${x(r.ratio) + 6}" y="${y + 16}">${r.ratio.toFixed(3)}× · p99 ${r.p99.toFixed(0)} ms${r.flagged ? ' · errors!' : ''}</text>`);
    const min = SCENARIOS.find((s) => s.key === r.key)?.budget?.minRatio;
    if (min !== undefined) out.push(`<line x1="${x(min)}" y1="${y + 1}" x2="${x(min)}" y2="${y + rowH - 1}" stroke="#c0392b" stroke-width="3"><title>budget ≥ ${min}×</title></line>`);
  });
  failed.forEach((r, i) => {
    const y = top + (rows.length + i) * rowH;
    out.push(`<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(r.title)}</text>`);
    out.push(`<text x="${labelW + 6}" y="${y + 16}" fill="#c0392b">not measured: ${esc(r.skipped.split(' — ')[0]!.slice(0, 70))}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Writes latest.json (the run, its budgets and the machine) and latest.svg. */
export function writeResults(run: BenchRun, dir = RESULTS_DIR, name = 'latest'): void {
  mkdirSync(dir, { recursive: true });
  const budgets = {
    scenarios: run.scenarios.filter((s) => s.budget).map((s) => ({ key: s.key, ...s.budget! })),
    serverRss: rssBudget(run),
    degradation: run.compare ? degradation(run.compare.small, run.compare.large) : 'run with --compare',
  };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ ...run, budgets }, null, 2) + '\n');
  writeFileSync(join(dir, `${name}.svg`), renderSvg(run));
}
