import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { call, percentile, sleep, suffix, tokenFor, type Answer } from './lib/client';
import { attestationInput, QUERIES, seedWorld, type World } from './lib/seed';
import { runWithStack, type ServerProcess } from './lib/stack';

/**
 * `npm run soak [-- --minutes N]`: a bounded soak on loopback. Own embedded PostgreSQL and S3 (like `npm run faults`),
 * the API as a production-like child process, and a paced mixed workload for SOAK_MINUTES (default 10): anonymous
 * public page GETs, vendorStatuses, createAttestation, requestDocumentDownload (watermarked, restricted PDF) and
 * requestAccess (by a new customer organization each time). Every minute: requests, errors (must stay 0), p50/p99
 * latency and the server's resident memory; at the end the RSS growth from the first minute to the last. Exits 1 on
 * any error. Options: --minutes N, --concurrency C (default 4), --rps R (target total rate, default 40).
 */
const { values: args } = parseArgs({
  options: { minutes: { type: 'string' }, concurrency: { type: 'string', default: '4' }, rps: { type: 'string', default: '40' } },
});
const minutes = Number(args.minutes ?? process.env.SOAK_MINUTES ?? '10');
const concurrency = Number(args.concurrency);
const rps = Number(args.rps);
function usage(message: string): never {
  process.stderr.write(`soak: ${message}\nUsage: npm run soak -- [--minutes N] [--concurrency C] [--rps R]\n`);
  process.exit(2);
}
if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) usage('--minutes (or SOAK_MINUTES): a number of minutes, more than 0 and at most 1440');
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) usage('--concurrency: 1 to 64');
if (!Number.isFinite(rps) || rps <= 0 || rps > 2000) usage('--rps: more than 0, at most 2000');

interface Sample {
  op: string;
  minute: number;
  answer: Answer;
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** A payload error ({ errors: [...] } in the mutation's answer) counts as an error too: the workload only asks what must succeed. */
function payloadError(a: Answer, field: string): string | null {
  if (!a.ok) return `${a.status} ${a.code}`;
  const payload = a.data![field] as { errors?: { code: string }[] } | null;
  if (payload === null || payload === undefined) return 'null payload';
  if (Array.isArray(payload.errors) && payload.errors.length) return `payload ${payload.errors.map((e) => e.code).join(',')}`;
  return null;
}

function workload(server: ServerProcess, world: World): { name: string; weight: number; run(): Promise<{ answer: Answer; error: string | null }[]> }[] {
  const url = server.url;
  const vendor = { token: world.vendor.token, org: world.vendor.slug };
  const customer = { token: world.customer.token, org: world.customer.slug };
  return [
    {
      name: 'page GET',
      weight: 40,
      async run() {
        const a = await call(url, QUERIES.page, { get: true, variables: { slug: world.vendor.slug } });
        return [{ answer: a, error: a.ok ? null : `${a.status} ${a.code}` }];
      },
    },
    {
      name: 'vendorStatuses',
      weight: 20,
      async run() {
        const a = await call(url, QUERIES.vendorStatuses, customer);
        return [{ answer: a, error: a.ok ? null : `${a.status} ${a.code}` }];
      },
    },
    {
      name: 'createAttestation',
      weight: 15,
      async run() {
        const a = await call(url, QUERIES.createAttestation, { ...vendor, variables: { i: attestationInput(`soak-${randomUUID()}`) }, headers: { 'idempotency-key': randomUUID() } });
        return [{ answer: a, error: payloadError(a, 'createAttestation') }];
      },
    },
    {
      name: 'requestDocumentDownload',
      weight: 15,
      async run() {
        const a = await call(url, QUERIES.download, { ...customer, variables: { d: world.restrictedDocumentId } });
        const error = payloadError(a, 'requestDocumentDownload') ?? (a.data!.requestDocumentDownload.download?.watermarked ? null : 'not watermarked');
        return [{ answer: a, error }];
      },
    },
    {
      name: 'requestAccess',
      weight: 10,
      async run() {
        // A new customer organization each time (one pending request per organization and vendor is the rule).
        const email = `soak-${suffix()}@example.test`;
        const token = tokenFor(email);
        const slug = `soak-${suffix()}`;
        const org = await call(url, QUERIES.createOrganization, { token, variables: { s: slug } });
        const orgError = payloadError(org, 'createOrganization');
        if (orgError) return [{ answer: org, error: orgError }];
        const a = await call(url, QUERIES.requestAccess, { token, org: slug, variables: { i: { trustCenterSlug: world.vendor.slug, reason: 'soak' } } });
        return [{ answer: org, error: null }, { answer: a, error: payloadError(a, 'requestAccess') }];
      },
    },
  ];
}

runWithStack('soak', async (stack) => {
  process.stdout.write(`soak: ${minutes} min, ${concurrency} clients, target ${rps} requests/s; temporary folder ${stack.dir}\n`);
  await stack.start();
  const server = await stack.startServer();
  const world = await seedWorld(server.url);
  const ops = workload(server, world);
  const totalWeight = ops.reduce((n, o) => n + o.weight, 0);
  const pick = (): (typeof ops)[number] => {
    let r = Math.random() * totalWeight;
    for (const op of ops) if ((r -= op.weight) < 0) return op;
    return ops[0]!;
  };
  process.stdout.write(`soak: server pid ${server.pid} on ${server.url}; seeded; RSS ${mb(rssBytes(server.pid))}\n\n`);

  const samples: Sample[] = [];
  const errors: { op: string; minute: number; error: string; text: string }[] = [];
  const started = Date.now();
  const endAt = started + minutes * 60_000;
  const interval = (1000 * concurrency) / rps; // per client
  const clients = Array.from({ length: concurrency }, async (_, i) => {
    let next = Date.now() + (i * interval) / concurrency;
    while (Date.now() < endAt) {
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      next = Math.max(next + interval, Date.now() - interval); // paced; never bursts to catch up
      const op = pick();
      for (const { answer, error } of await op.run()) {
        const minute = Math.min(Math.ceil(minutes) - 1, Math.floor((answer.startedAt - started) / 60_000));
        samples.push({ op: op.name, minute, answer });
        if (error) errors.push({ op: op.name, minute, error, text: answer.text.slice(0, 200) });
      }
    }
  });

  const perMinute: { minute: number; requests: number; errors: number; p50: number; p99: number; rss: number }[] = [];
  const report = (minute: number): void => {
    const these = samples.filter((s) => s.minute === minute);
    const latencies = these.map((s) => s.answer.ms);
    const row = { minute, requests: these.length, errors: errors.filter((e) => e.minute === minute).length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), rss: rssBytes(server.pid) };
    perMinute.push(row);
    process.stdout.write(`minute ${String(minute + 1).padStart(3)}: ${String(row.requests).padStart(6)} requests (${(row.requests / 60).toFixed(1)}/s), ${row.errors} errors, p50 ${row.p50} ms, p99 ${row.p99} ms, server RSS ${mb(row.rss)}${server.isRunning() ? '' : ' (SERVER EXITED)'}\n`);
  };
  const wholeMinutes = Math.ceil(minutes);
  for (let m = 0; m < wholeMinutes; m++) {
    const until = Math.min(started + (m + 1) * 60_000, endAt);
    while (Date.now() < until) await sleep(Math.min(1000, until - Date.now()));
    // Requests started in this minute may still be running: give them a moment before counting.
    if (m === wholeMinutes - 1) await Promise.all(clients);
    else await sleep(2000);
    report(m);
  }
  await Promise.all(clients);

  const all = samples.map((s) => s.answer.ms);
  const first = perMinute[0]!;
  const last = perMinute[perMinute.length - 1]!;
  const growth = last.rss - first.rss;
  process.stdout.write(`\nsoak summary (${((Date.now() - started) / 1000).toFixed(0)} s):\n`);
  process.stdout.write(`  requests ${samples.length}, errors ${errors.length}, p50 ${percentile(all, 50)} ms, p99 ${percentile(all, 99)} ms, max ${Math.max(0, ...all)} ms\n`);
  for (const op of ops) {
    const mine = samples.filter((s) => s.op === op.name).map((s) => s.answer.ms);
    process.stdout.write(`    ${op.name.padEnd(24)} ${String(mine.length).padStart(6)} requests, p50 ${percentile(mine, 50)} ms, p99 ${percentile(mine, 99)} ms\n`);
  }
  process.stdout.write(`  server RSS first minute -> last minute: ${mb(first.rss)} -> ${mb(last.rss)} (${growth >= 0 ? '+' : ''}${mb(growth)}, ${((growth / Math.max(1, first.rss)) * 100).toFixed(1)}%)${perMinute.length === 1 ? ' (one minute: run longer to see a trend)' : ''}\n`);
  process.stdout.write(`  server still running: ${server.isRunning() ? 'yes' : 'NO'}\n`);
  if (errors.length) {
    const kinds = new Map<string, number>();
    for (const e of errors) kinds.set(`${e.op}: ${e.error}`, (kinds.get(`${e.op}: ${e.error}`) ?? 0) + 1);
    for (const [k, n] of kinds) process.stdout.write(`  ERROR x${n} ${k}\n`);
    process.stdout.write(`  first error body: ${errors[0]!.text}\n`);
  }
  const pass = errors.length === 0 && server.isRunning();
  process.stdout.write(`\n${pass ? 'PASS' : 'FAIL'}  soak: ${errors.length} errors in ${samples.length} requests\n`);
  return pass ? 0 : 1;
});
