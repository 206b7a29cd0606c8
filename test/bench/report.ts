import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult, StatementProfile } from './load';
import type { ScenarioId } from './scenarios';

/** Results as JSON, a markdown table and an SVG chart (hand-written: no dependency). */
export interface ScenarioRow {
  id: ScenarioId;
  title: string;
  run: LoadResult | null;
  /** Why there is no valid number (errors during warm-up or measurement, capacity, ...). */
  failed: string | null;
  statementsPerRequest: number | null;
  transactionsPerRequest: number | null;
  /** Statements of the first request when they differ from the steady state (a cache miss). */
  coldStatements: number | null;
  /** The request's statements run alone on an idle connection: total and slowest. */
  sqlProfile: StatementProfile | null;
  peakRssMb: number | null;
  baseline: { name: string; result: LoadResult | null };
  ratio: number | null;
  ratioTarget: boolean;
  /** The ratio's target when it is not RATIO_TARGET (b, b-mix, b-5k: 0.7). */
  ratioMin?: number | null;
  /** A latency target of the scenario: p99 under this many ms. */
  p99TargetMs: number | null;
  /** What ran beside the scenario (a-wm: watermarking), and how it went. */
  background: { title: string; concurrency: number; completed: number; failed: number; meanMs: number | null; sample: string | null } | null;
}

export interface SizeReport {
  name: 'small' | 'large';
  dataset: { vendors: number; rows: Record<string, number>; buildSeconds: number; hotSlug: string; watches: { total: number; onPlatform: number; offPlatform: number }; mixWatches?: { total: number; onPlatform: number; offPlatform: number }; bigWatches?: { total: number; onPlatform: number; offPlatform: number } };
  auditChainCheck: string;
  scenarios: ScenarioRow[];
  baselines: Record<string, LoadResult | null>;
}

export interface TargetCheck {
  scenario: ScenarioId;
  size: string;
  target: string;
  status: 'MET' | 'NOT MET' | 'FAILED' | 'n/a';
  detail: string;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  mode: 'quick' | 'full';
  settings: { connections: number; durationSec: number; warmupSec: number; logLevel: string; database: string; serverNodeArgs?: string };
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string; loadAverageAtStart: number[] };
  sizes: SizeReport[];
  targets: TargetCheck[];
  notes: string[];
}

const RATIO_TARGET = 0.5;
const SCALE_TARGET = 1.5;
/** Issue 16 item 4: the first page of a 5,000-vendor watchlist costs at most this many times (b)'s 500-vendor one. */
const WATCHLIST_SCALE_TARGET = 2;
const RSS_TARGET_MB = 300;

export function evaluateTargets(sizes: SizeReport[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const size of sizes) {
    for (const row of size.scenarios) {
      if (row.ratioTarget) {
        const min = row.ratioMin ?? RATIO_TARGET;
        checks.push(row.failed || row.ratio === null
          ? { scenario: row.id, size: size.name, target: `>= ${min}x ${row.baseline.name}`, status: 'FAILED', detail: row.failed ?? 'baseline failed' }
          : { scenario: row.id, size: size.name, target: `>= ${min}x ${row.baseline.name}`, status: row.ratio >= min ? 'MET' : 'NOT MET', detail: `${fmt(row.ratio, 2)}x` });
      }
      if (row.p99TargetMs !== null) {
        const bg = row.background;
        const target = `p99 < ${row.p99TargetMs} ms${bg ? ` while ${bg.concurrency} at a time: ${bg.title}` : ''}`;
        const bgProblem = bg && (bg.completed === 0 || bg.failed > 0) ? `background: ${bg.completed} done, ${bg.failed} failed${bg.sample ? ` (${bg.sample.slice(0, 200)})` : ''}` : null;
        checks.push(row.failed || !row.run || bgProblem
          ? { scenario: row.id, size: size.name, target, status: 'FAILED', detail: row.failed ?? bgProblem ?? 'no result' }
          : { scenario: row.id, size: size.name, target, status: row.run.p99 < row.p99TargetMs ? 'MET' : 'NOT MET', detail: `p99 ${ms(row.run.p99)} ms${bg ? `; ${bg.completed} watermarked meanwhile, ${fmt(bg.meanMs, 0)} ms each` : ''}` });
      }
      checks.push(row.failed || row.peakRssMb === null
        ? { scenario: row.id, size: size.name, target: `peak RSS < ${RSS_TARGET_MB} MB`, status: row.failed ? 'FAILED' : 'n/a', detail: row.failed ?? 'VmHWM not readable' }
        : { scenario: row.id, size: size.name, target: `peak RSS < ${RSS_TARGET_MB} MB`, status: row.peakRssMb < RSS_TARGET_MB ? 'MET' : 'NOT MET', detail: `${fmt(row.peakRssMb, 0)} MB` });
    }
  }
  for (const size of sizes) {
    const big = size.scenarios.find((r) => r.id === 'b-5k');
    const base = size.scenarios.find((r) => r.id === 'b');
    if (!big) continue;
    const target = `${fmt(size.dataset.bigWatches?.total ?? null, 0)}-vendor p50 <= ${WATCHLIST_SCALE_TARGET}x (b)'s ${fmt(size.dataset.watches.total, 0)}-vendor p50`;
    if (!base) checks.push({ scenario: big.id, size: size.name, target, status: 'n/a', detail: 'needs (b) in the same run' });
    else if (big.failed || base.failed || !big.run || !base.run) checks.push({ scenario: big.id, size: size.name, target, status: 'FAILED', detail: big.failed ?? base.failed ?? 'no result' });
    else {
      // As below: under 1 ms is compared as 1 ms (the histogram's resolution).
      const ratio = Math.max(big.run.p50, 1) / Math.max(base.run.p50, 1);
      checks.push({ scenario: big.id, size: size.name, target, status: ratio <= WATCHLIST_SCALE_TARGET ? 'MET' : 'NOT MET', detail: `${ms(big.run.p50)} / ${ms(base.run.p50)} ms = ${fmt(ratio, 2)}x` });
    }
  }
  const small = sizes.find((s) => s.name === 'small');
  const large = sizes.find((s) => s.name === 'large');
  for (const row of (small ?? large)?.scenarios ?? []) {
    const target = `large p50 <= ${SCALE_TARGET}x small p50`;
    const s = small?.scenarios.find((r) => r.id === row.id);
    const l = large?.scenarios.find((r) => r.id === row.id);
    if (!s || !l) {
      checks.push({ scenario: row.id, size: 'small vs large', target, status: 'n/a', detail: 'needs both data sets (full run)' });
    } else if (s.failed || l.failed || !s.run || !l.run) {
      checks.push({ scenario: row.id, size: 'small vs large', target, status: 'FAILED', detail: s.failed ?? l.failed ?? 'no result' });
    } else {
      // autocannon's histogram counts whole milliseconds: under 1 ms is compared as 1 ms (its resolution).
      const large = Math.max(l.run.p50, 1);
      const small = Math.max(s.run.p50, 1);
      checks.push({ scenario: row.id, size: 'small vs large', target, status: large <= SCALE_TARGET * small ? 'MET' : 'NOT MET', detail: `${ms(l.run.p50)} / ${ms(s.run.p50)} ms = ${fmt(large / small, 2)}x` });
    }
  }
  return checks;
}

/** Latencies: autocannon's histogram has 1 ms resolution, so 0 means "under a millisecond". */
function ms(n: number | null | undefined): string {
  return n === 0 ? '< 1' : fmt(n, 1);
}

function fmt(n: number | null | undefined, digits: number): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function markdown(report: BenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push(`# trust-portal bench (${report.mode})`, '');
  lines.push(`${report.startedAt} to ${report.finishedAt}. ${m.cpus} x ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}; load average at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}.`);
  lines.push(`${report.settings.connections} connections, ${report.settings.durationSec} s per scenario after ${report.settings.warmupSec} s of warm-up; server NODE_ENV=production, LOG_LEVEL=${report.settings.logLevel}, node flags \`${report.settings.serverNodeArgs ?? '(none recorded)'}\`; PostgreSQL: ${report.settings.database}.`, '');
  for (const size of report.sizes) {
    const d = size.dataset;
    const r = d.rows;
    lines.push(`## ${size.name}: ${fmt(d.vendors, 0)} vendors`, '');
    lines.push(`Built in ${fmt(d.buildSeconds, 1)} s: ${fmt(r.attestations, 0)} attestations, ${fmt(r.documents, 0)} documents, ${fmt(r.audit_events, 0)} audit events, ` +
      `${fmt(r.subprocessors, 0)} subprocessors; the customer watches ${d.watches.total} vendors (${d.watches.onPlatform} on the platform, ${d.watches.offPlatform} recorded off-platform)` +
      (d.mixWatches ? `; a second customer (b-mix) watches ${d.mixWatches.onPlatform} on the platform and ${d.mixWatches.offPlatform} recorded` : '') +
      (d.bigWatches ? `; a third customer (b-5k) watches ${d.bigWatches.onPlatform} on the platform and ${d.bigWatches.offPlatform} recorded. ` : '. ') +
      `Hot slug: \`${d.hotSlug}\`. Audit chain check: ${size.auditChainCheck}.`, '');
    lines.push('| scenario | req/s | p50 ms | p99 ms | SQL stmts/req (tx) | SQL ms/req alone | CPU ms/req: server + PostgreSQL | peak RSS MB | baseline | baseline req/s | baseline p50 ms | baseline CPU ms/req | ratio |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |');
    for (const row of size.scenarios) {
      const b = row.baseline.result;
      const stmts = row.statementsPerRequest === null ? '-'
        : `${row.statementsPerRequest} (${row.transactionsPerRequest ?? '-'})${row.coldStatements !== null ? `; first ${row.coldStatements}` : ''}`;
      const alone = fmt(row.sqlProfile?.totalMs, 1);
      const main = row.failed || !row.run
        ? `**FAILED** | - | - | ${stmts} | ${alone} | - | ${fmt(row.peakRssMb, 0)}`
        : `${fmt(row.run.rps, 0)} | ${ms(row.run.p50)} | ${ms(row.run.p99)} | ${stmts} | ${alone} | ${cpuCell(row.run)} | ${fmt(row.peakRssMb, 0)}`;
      const base = b && b.ok ? `${fmt(b.rps, 0)} | ${ms(b.p50)} | ${cpuCell(b)}` : b ? '**FAILED** | - | -' : '- | - | -';
      const ratio = row.ratio === null ? '-' : `${fmt(row.ratio, 2)}x${row.ratioTarget ? '' : ' (info)'}`;
      lines.push(`| ${row.id}: ${row.title} | ${main} | ${row.baseline.name} | ${base} | ${ratio} |`);
    }
    lines.push('', `Slowest statements per request (median of 3 serial runs on an idle connection, ${size.name} data set):`, '');
    for (const row of size.scenarios) {
      const top = row.sqlProfile?.slowest.filter((t) => t.ms >= 0.5) ?? [];
      if (top.length === 0) continue;
      lines.push(`- ${row.id}: ${top.map((t) => `${fmt(t.ms, 1)} ms \`${t.text.replace(/`/g, "'").slice(0, 140)}\``).join('; ')}`);
    }
    for (const row of size.scenarios.filter((r) => r.background)) {
      const bg = row.background!;
      lines.push('', `${row.id} ran beside it, ${bg.concurrency} at a time: ${bg.title}: ${bg.completed} done${bg.failed ? `, **${bg.failed} failed**` : ''}${bg.meanMs !== null ? `, ${fmt(bg.meanMs, 0)} ms each on average` : ''}.`);
    }
    const failed = size.scenarios.filter((s) => s.failed);
    if (failed.length > 0) {
      lines.push('');
      for (const f of failed) lines.push(`- **${f.id} FAILED**: ${f.failed}`);
    }
    lines.push('');
  }
  lines.push('## Targets', '');
  lines.push('| scenario | data set | target | status | measured |');
  lines.push('| --- | --- | --- | --- | --- |');
  for (const t of report.targets) lines.push(`| ${t.scenario} | ${t.size} | ${t.target} | ${t.status === 'MET' ? 'MET' : `**${t.status}**`} | ${t.detail} |`);
  lines.push('');
  if (report.notes.length > 0) {
    lines.push('## Notes', '');
    for (const n of report.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return lines.join('\n');
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** p50 against data size (vendors, log scale), one line per scenario. */
export function svgChart(report: BenchReport): string {
  const width = 760;
  const height = 420;
  const m = { left: 64, right: 240, top: 48, bottom: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const sizes = report.sizes.map((s) => ({ name: s.name, vendors: s.dataset.vendors }));
  const ids = [...new Set(report.sizes.flatMap((s) => s.scenarios.map((r) => r.id)))];
  const series = ids.map((id) => ({
    id,
    points: report.sizes.flatMap((s) => {
      const row = s.scenarios.find((r) => r.id === id);
      return row && row.run && !row.failed ? [{ vendors: s.dataset.vendors, p50: row.run.p50 }] : [];
    }),
  }));
  const maxP50 = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.p50)));
  const yMax = niceCeil(maxP50 * 1.1);
  const logs = sizes.map((s) => Math.log10(s.vendors));
  const lo = Math.min(...logs, 2) - 0.3;
  const hi = Math.max(...logs, 4) + 0.3;
  const x = (vendors: number): number => m.left + ((Math.log10(vendors) - lo) / (hi - lo)) * plotW;
  const y = (ms: number): number => m.top + plotH - (ms / yMax) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${m.left}" y="24" font-size="15" font-weight="bold">p50 latency by data size (${esc(report.mode)} run, ${esc(report.finishedAt.slice(0, 10))})</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 8}" y="${y(v) + 4}" text-anchor="end">${fmt(v, v < 10 ? 1 : 0)}</text>`);
  }
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#333"/>`);
  for (const s of sizes) {
    out.push(`<line x1="${x(s.vendors)}" x2="${x(s.vendors)}" y1="${m.top + plotH}" y2="${m.top + plotH + 5}" stroke="#333"/>`);
    out.push(`<text x="${x(s.vendors)}" y="${m.top + plotH + 20}" text-anchor="middle">${esc(s.name)} (${fmt(s.vendors, 0)} vendors)</text>`);
  }
  out.push(`<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle">vendors in the data set (log scale)</text>`);
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">p50 (ms)</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (s.points.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${s.points.map((p) => `${x(p.vendors).toFixed(1)},${y(p.p50).toFixed(1)}`).join(' ')}"/>`);
    for (const p of s.points) {
      out.push(`<circle cx="${x(p.vendors).toFixed(1)}" cy="${y(p.p50).toFixed(1)}" r="4" fill="${color}"/>`);
      out.push(`<text x="${(x(p.vendors) + 7).toFixed(1)}" y="${(y(p.p50) - 6).toFixed(1)}" fill="${color}" font-size="11">${fmt(p.p50, 1)}</text>`);
    }
    const ly = m.top + 10 + i * 22;
    out.push(`<line x1="${m.left + plotW + 20}" x2="${m.left + plotW + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${m.left + plotW + 46}" y="${ly + 4}">${esc(s.id)}${s.points.length === 0 ? ' (no valid run)' : ''}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

/** latest.{md,json}, the same under a timestamped name, and p50-by-size.svg. */
export function writeReport(dir: string, report: BenchReport): { markdown: string; files: string[] } {
  mkdirSync(dir, { recursive: true });
  const md = markdown(report);
  const json = JSON.stringify(report, null, 2) + '\n';
  const stamp = report.startedAt.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  const files = [
    [path.join(dir, 'latest.md'), md],
    [path.join(dir, 'latest.json'), json],
    [path.join(dir, `${stamp}-${report.mode}.md`), md],
    [path.join(dir, `${stamp}-${report.mode}.json`), json],
    [path.join(dir, 'p50-by-size.svg'), svgChart(report)],
  ] as const;
  for (const [file, content] of files) writeFileSync(file, content);
  return { markdown: md, files: files.map(([f]) => f) };
}

/** `app + PostgreSQL` CPU ms per request (the server, or the replay's pg client), `-` where not measured. */
function cpuCell(result: LoadResult): string {
  const cpu = result.cpu;
  if (!cpu || cpu.appMsPerRequest === null) return '-';
  return `${fmt(cpu.appMsPerRequest, 2)} + ${fmt(cpu.postgresMsPerRequest, 2)}`;
}
