import type { EntityManager } from 'typeorm';
import { DbScope } from '../../src/db/db-scope';
import { entityFromJson, rowsPart, selectPart } from '../../src/db/json-parts';
import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, newUser, soc2TypeII, type TestOrg } from '../support/factories';
import { createDocumentWithFile, publishNda } from '../support/documents';
import { TRUST_CENTER_PAGE } from '../bench/scenarios';

/**
 * The public page's one-statement prefetch (issue 16, item 1; src/modules/trust-center/page-prefetch.ts): the page reads
 * in one statement what seven read before, and answers exactly what the field resolvers answer on their own.
 */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

const EXCEPTIONS = [{ controlRef: 'CC6.1', description: 'Two leavers kept access for 40 days', testResult: 'Exception noted', managementResponse: 'Offboarding is automated since March' }];

/**
 * A published vendor with every part of the page: a SOC 2 Type II that superseded last year's (history: its period
 * still counts for the gap), an ISO certificate, a draft report, a PRIVATE document, two subprocessors.
 */
async function richVendor(): Promise<TestOrg> {
  const org = await createOrg(app, { publish: true, prefix: 'prefetch' });
  const older = await createAttestation(app, org, soc2TypeII(2024), true);
  const soc2 = await createAttestation(app, org, soc2TypeII(2025, { exceptions: EXCEPTIONS, complementaryUserEntityControls: [{ ref: 'CUEC-1', description: 'Customers review access' }], subserviceOrganizations: [{ name: 'Cloud', method: 'CARVE_OUT', services: 'Hosting' }] }), true);
  await createAttestation(app, org, { framework: 'ISO27001', socType: null, periodStart: null, periodEnd: null, opinion: null, trustServiceCriteria: null, issueDate: '2025-06-01', certificateValidUntil: '2028-05-31' }, true);
  await createAttestation(app, org, soc2TypeII(2026), false); // a draft: never on the page
  expect(older).not.toBe(soc2);
  const letter = await app.gql(`mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { errors { code message } } }`, {
    token: org.owner.token, org: org.slug,
    variables: { i: { attestationId: soc2, coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-02', signedByName: 'Chief Executive', signedByTitle: 'CEO' } },
  });
  expect(expectNoErrors(letter).addBridgeLetter.errors).toEqual([]);
  await publishNda(app, org);
  await createDocumentWithFile(app, org, { title: 'ISO certificate', kind: 'CERTIFICATE', visibility: 'PUBLIC' });
  await createDocumentWithFile(app, org, { title: 'SOC 2 report', visibility: 'RESTRICTED', attestationId: soc2 });
  await createDocumentWithFile(app, org, { title: 'Internal runbook', kind: 'POLICY', visibility: 'PRIVATE' });
  for (const name of ['Zeta Mail', 'Cloud Co']) {
    const sub = await app.gql(`mutation($i: SubprocessorInput!) { createSubprocessor(input: $i) { errors { code message } } }`, {
      token: org.owner.token, org: org.slug, variables: { i: { name, purpose: 'Hosting', location: 'EU', dataCategories: ['contact'], websiteUrl: 'https://example.com' } },
    });
    expect(expectNoErrors(sub).createSubprocessor.errors).toEqual([]);
  }
  return org;
}

const NODE = `id framework socType title scope periodStart periodEnd asOf issueDate auditor opinion trustServiceCriteria
  exceptionCount certificateNumber certificateValidUntil gapBeforeDays findingsVisible
  subserviceOrganizations { name method services }
  bridgeLetters { coversFrom coversThrough issuedOn signedByName }
  freshness { state ageDays anchorDate expiresOn daysUntilStale coveredThrough uncoveredDays }`;
const DOC = 'id title kind visibility attestationId updatedAt';

/**
 * The page's fields, where the first occurrence of each list takes other arguments than the second: only the first is
 * read ahead, so `attestations` and `documents` below are read by their resolvers on their own.
 */
const SELF_READ = `query($slug: String!) { trustCenter(slug: $slug) {
  warm: attestations(first: 1) { edges { node { id } } }
  attestations(first: 20) { edges { cursor node { ${NODE} } } pageInfo { hasNextPage endCursor } }
  warmDocs: documents(first: 1) { edges { node { id } } }
  documents(first: 50) { edges { cursor node { ${DOC} } } pageInfo { hasNextPage endCursor } }
} }`;
const PREFETCHED = `query($slug: String!) { trustCenter(slug: $slug) {
  attestations(first: 20) { edges { cursor node { ${NODE} } } pageInfo { hasNextPage endCursor } }
  documents(first: 50) { edges { cursor node { ${DOC} } } pageInfo { hasNextPage endCursor } }
  nda { id version title } subprocessors { id name purpose location dataCategories websiteUrl }
} }`;

test('the prefetched page answers what the resolvers answer on their own, for a visitor and for a member', async () => {
  const org = await richVendor();
  for (const who of [{}, { token: org.owner.token, org: org.slug }]) {
    const ahead = await app.gql(PREFETCHED, { ...who, variables: { slug: org.slug } });
    const self = await app.gql(SELF_READ, { ...who, variables: { slug: org.slug } });
    const a = expectNoErrors(ahead).trustCenter;
    const s = expectNoErrors(self).trustCenter;
    expect(a.attestations).toEqual(s.attestations);
    expect(a.documents).toEqual(s.documents);
    // The self-read query made its own reads (more statements), so the comparison is between two paths.
    expect(self.statements).toBeGreaterThan(ahead.statements);
    // An anonymous visitor's page: one statement for all its parts (a member's adds the caller's own reads).
    if (!('token' in who)) expect(ahead.statements).toBeLessThanOrEqual(6);
  }
});

test('what the page shows: published reports only, gaps and bridge letters, the NDA, subprocessors by name; PRIVATE documents only to members', async () => {
  const org = await richVendor();
  const visitor = expectNoErrors(await app.gql(PREFETCHED, { variables: { slug: org.slug } })).trustCenter;
  const member = expectNoErrors(await app.gql(PREFETCHED, { token: org.owner.token, org: org.slug, variables: { slug: org.slug } })).trustCenter;
  const nodes = visitor.attestations.edges.map((e: any) => e.node);
  expect(nodes.map((n: any) => [n.framework, n.periodEnd ?? n.issueDate])).toEqual([['SOC2', '2025-12-31'], ['ISO27001', '2025-06-01']]);
  expect(nodes[0].bridgeLetters).toEqual([{ coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-02', signedByName: 'Chief Executive' }]);
  expect(nodes[0].gapBeforeDays).toBe(0);
  expect(nodes[0].exceptionCount).toBe(1);
  expect(nodes[0].subserviceOrganizations).toEqual([]); // not granted
  expect(visitor.nda).toMatchObject({ version: 1 });
  expect(visitor.subprocessors.map((s: any) => s.name)).toEqual(['Cloud Co', 'Zeta Mail']);
  expect(visitor.subprocessors[0]).toMatchObject({ dataCategories: ['contact'], websiteUrl: 'https://example.com/' });
  expect(visitor.documents.edges.map((e: any) => e.node.visibility).sort()).toEqual(['PUBLIC', 'RESTRICTED']);
  expect(member.documents.edges.map((e: any) => e.node.visibility).sort()).toEqual(['PRIVATE', 'PUBLIC', 'RESTRICTED']);
});

test('fragments are followed; other arguments, later pages and bad arguments read (or fail) as before', async () => {
  const org = await richVendor();
  const FRAGMENT = `query($slug: String!) { trustCenter(slug: $slug) { ...Page } }
    fragment Page on TrustCenter { name nda { version } subprocessors { name } ... on TrustCenter { attestations(first: 1) { edges { node { id bridgeLetters { issuedOn } } } pageInfo { hasNextPage endCursor } } documents { edges { node { id } } } } }`;
  const r = await app.gql(FRAGMENT, { variables: { slug: org.slug } });
  const tc = expectNoErrors(r).trustCenter;
  expect(tc.attestations.edges).toHaveLength(1);
  expect(tc.attestations.edges[0].node.bridgeLetters).toEqual([{ issuedOn: '2026-04-02' }]);
  expect(tc).toMatchObject({ nda: { version: 1 }, subprocessors: [{ name: 'Cloud Co' }, { name: 'Zeta Mail' }] });
  expect(tc.attestations.pageInfo.hasNextPage).toBe(true);
  expect(r.statements).toBeLessThanOrEqual(6);

  // The next page (after a cursor) is not read ahead; it reads on its own and continues the list.
  const next = await app.gql(`query($slug: String!, $after: String) { trustCenter(slug: $slug) { attestations(first: 1, after: $after) { edges { node { framework } } pageInfo { hasNextPage } } } }`, {
    variables: { slug: org.slug, after: tc.attestations.pageInfo.endCursor },
  });
  expect(expectNoErrors(next).trustCenter.attestations).toEqual({ edges: [{ node: { framework: 'ISO27001' } }], pageInfo: { hasNextPage: false } });

  // A framework filter is read ahead with it.
  const iso = await app.gql(`query($slug: String!) { trustCenter(slug: $slug) { attestations(framework: ISO27001) { edges { node { framework } } } } }`, { variables: { slug: org.slug } });
  expect(expectNoErrors(iso).trustCenter.attestations.edges).toEqual([{ node: { framework: 'ISO27001' } }]);
  expect(iso.statements).toBeLessThanOrEqual(6);

  // An out-of-range page size is refused by the resolver's validation, as before.
  const bad = await app.gql(`query($slug: String!) { trustCenter(slug: $slug) { attestations(first: 0) { edges { node { id } } } } }`, { variables: { slug: org.slug } });
  expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

test('a draft trust center stays NOT_FOUND for visitors (nothing read ahead is shown)', async () => {
  const org = await createOrg(app, { prefix: 'prefetch-draft' });
  await createAttestation(app, org, {}, true);
  const r = await app.gql(TRUST_CENTER_PAGE, { variables: { slug: org.slug } });
  expect(r.data?.trustCenter ?? null).toBeNull();
  expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const stranger = newUser(app, 'prefetch-stranger');
  const s = await app.gql(TRUST_CENTER_PAGE, { token: stranger.token, variables: { slug: org.slug } });
  expect(s.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
});

/** Every tenant row of the org, read by TypeORM and as JSON (json-parts.ts): the same entities, field by field. */
test('entityFromJson makes the same entities TypeORM loads, for every tenant table the page and its org have rows in', async () => {
  const org = await richVendor();
  const orgId = (await app.owner.query(`SELECT id FROM organizations WHERE slug = $1`, [org.slug])).rows[0].id as string;
  const compared: string[] = [];
  await app.db.transaction(DbScope.system(orgId), async (m: EntityManager) => {
    for (const metadata of m.connection.entityMetadatas) {
      const orgColumn = metadata.columns.find((c) => c.databaseName === 'org_id');
      if (!orgColumn || metadata.tableType !== 'regular') continue;
      const primary = metadata.primaryColumns.map((c) => c.databaseName);
      const order = primary.map((c) => `r.${c}`).join(', ');
      const loaded = await m
        .getRepository(metadata.target)
        .createQueryBuilder('x')
        .where('x.org_id = :orgId', { orgId })
        .orderBy(primary.map((c) => `x.${c}`).join(', '))
        .getMany()
        .catch(() => null);
      if (loaded === null || loaded.length === 0) continue;
      const fromJson = await selectPart(
        m,
        rowsPart((p) => `SELECT x.* FROM ${metadata.tablePath} x WHERE x.org_id = ${p.add(orgId)}`, order, (row, m2) => entityFromJson(m2, metadata.target, row)),
      );
      expect({ table: metadata.tableName, rows: fromJson }).toEqual({ table: metadata.tableName, rows: loaded });
      for (const entity of fromJson) expect(Object.getPrototypeOf(entity)).toBe((metadata.target as { prototype: object }).prototype);
      compared.push(metadata.tableName);
    }
  });
  // The page's own tables at least, with rows in each.
  expect(compared).toEqual(expect.arrayContaining(['trust_centers', 'attestations', 'bridge_letters', 'documents', 'document_versions', 'nda_templates', 'subprocessors']));
});
