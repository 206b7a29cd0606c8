import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { demoPdf } from '../../src/seed/demo-pdf';
import { startTestApp, uniqueSuffix, type TestApp } from '../support/harness';

/**
 * Runs the documented journeys (docs/journeys/*.md) against the real server, in order, so the docs never rot.
 * Each ```graphql block runs as its actor; ```json variables and ```json expect follow it; {{a.b.c}} reads the
 * results of earlier operations by operation name.
 */
interface Step { actor: string; expectError: string | null; query: string; operationName: string; variables: string | null; expect: string | null; file: string; putFrom?: string }

const dir = path.resolve(__dirname, '..', '..', 'docs', 'journeys');

function parse(file: string): Step[] {
  const text = readFileSync(path.join(dir, file), 'utf8');
  const blocks = [...text.matchAll(/```(graphql|json|http)([^\n]*)\n([\s\S]*?)```/g)];
  const steps: Step[] = [];
  for (const [, lang, info, body] of blocks) {
    if (lang === 'http') {
      const from = /put from=(\w+)/.exec(info!)?.[1];
      if (!from) throw new Error(`${file}: an http block is "put from=<operation>"`);
      steps.push({ actor: 'http', expectError: null, query: '', operationName: `PUT ${from}`, variables: null, expect: null, file, putFrom: from });
    } else if (lang === 'graphql') {
      const actor = /as=(\w+)/.exec(info!)?.[1];
      if (!actor) throw new Error(`${file}: a graphql block without as=<actor>`);
      const name = /^\s*(?:query|mutation)\s+(\w+)/m.exec(body!)?.[1];
      if (!name) throw new Error(`${file}: every documented operation is named`);
      steps.push({ actor, expectError: /expectError=(\w+)/.exec(info!)?.[1] ?? null, query: body!, operationName: name, variables: null, expect: null, file });
    } else {
      const last = steps[steps.length - 1];
      if (!last) throw new Error(`${file}: a json block before any operation`);
      if (info!.includes('variables')) last.variables = body!;
      else if (info!.includes('expect')) last.expect = body!;
    }
  }
  return steps;
}

function payloadErrors(value: unknown, at = ''): string[] {
  if (!value || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => payloadErrors(v, `${at}[${i}]`));
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'errors' && Array.isArray(v) && v.length > 0 ? [`${at}.${k}: ${JSON.stringify(v)}`] : payloadErrors(v, `${at}.${k}`));
}

let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => new Date('2026-11-26T12:00:00Z') }); });
afterAll(async () => { await app.close(); });

test('the three documented journeys run as written', async () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
  expect(files).toEqual(['1-vendor-publishes.md', '2-procurement-checks-a-vendor.md', '3-partner-integrates.md']);
  const state: Record<string, unknown> = { slug: `journey-${uniqueSuffix()}`, buyerSlug: `buyer-${uniqueSuffix()}` };
  const fill = (template: string): string => template.replace(/\{\{([\w.]+)\}\}/g, (_, p: string) => {
    const value = p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], state);
    if (value === undefined) throw new Error(`{{${p}}} is not known at this step`);
    return String(value);
  });
  const tokens: Record<string, string | undefined> = {
    vendor: app.tokenFor(`vendor-${uniqueSuffix()}@journey-vendor.test`),
    buyer: app.tokenFor(`buyer-${uniqueSuffix()}@journey-buyer.test`),
    anonymous: undefined,
  };
  const pdf = Buffer.from(await demoPdf('SOC 2 Type II report', ['Journey report.']));
  state.file = { size: pdf.length, sha256: createHash('sha256').update(pdf).digest('hex') };
  let ran = 0;
  for (const file of files) {
    for (const step of parse(file)) {
      if (step.putFrom) {
        const upload = (state[step.putFrom] as { createDocumentUpload: { upload: { url: string; headers: { name: string; value: string }[] } } }).createDocumentUpload.upload;
        const put = await fetch(upload.url, { method: 'PUT', headers: Object.fromEntries(upload.headers.map((h) => [h.name, h.value])), body: pdf });
        expect([step.file, put.status]).toEqual([step.file, 200]);
        ran += 1;
        continue;
      }
      const token = step.actor === 'partner' ? String((state.Key as { createApiKey: { secret: string } }).createApiKey.secret) : tokens[step.actor];
      if (step.actor !== 'anonymous' && !token) throw new Error(`${file}: unknown actor ${step.actor}`);
      const r = await app.gql(step.query, { token, variables: step.variables ? JSON.parse(fill(step.variables)) : undefined });
      const where = `${file} ${step.operationName}`;
      if (step.expectError) {
        expect([where, r.errors?.map((e) => e.extensions?.code)]).toEqual([where, [step.expectError]]);
      } else {
        expect([where, r.errors]).toEqual([where, undefined]);
        expect([where, payloadErrors(r.data)]).toEqual([where, []]);
        state[step.operationName] = r.data;
        if (step.expect) expect(r.data).toMatchObject(JSON.parse(fill(step.expect)));
      }
      ran += 1;
    }
  }
  expect(ran).toBeGreaterThanOrEqual(15);
});
