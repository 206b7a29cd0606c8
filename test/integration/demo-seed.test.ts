import { todayUtc, addMonths, compareDates, type CalendarDate } from '../../src/domain/calendar-date';
import { createLogger } from '../../src/logger';
import { devSubjectFor } from '../../src/modules/auth/jwt';
import { DEMO_USERS, seedDemo } from '../../src/seed/demo';
import { startTestApp, type TestApp } from '../support/harness';

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

test('the demo seed is idempotent and gives acme a fresh, bridged SOC 2 Type II, its superseded predecessor and an ISO certificate', async () => {
  const logger = createLogger('silent');
  await seedDemo(app.db, logger); // seeds, or finds acme already seeded by another test file
  const second = await seedDemo(app.db, logger);
  expect(second).toBe(false);
  const orgs = await app.owner.query(`SELECT slug FROM organizations WHERE slug IN ('acme', 'globex') ORDER BY slug`);
  expect(orgs.rows.map((r) => r.slug)).toEqual(['acme', 'globex']);

  const pub = await app.gql(`{ trustCenter(slug: "acme") { name status attestations { edges { node { framework socType status periodEnd
    bridgeLetters { coversFrom } freshness { state coveredThrough uncoveredDays } } } } } }`);
  expect(pub.errors).toBeUndefined();
  const tc = pub.data!.trustCenter;
  expect(tc).toMatchObject({ name: 'Acme Cloud', status: 'PUBLISHED' });
  const nodes = tc.attestations.edges.map((e: { node: Record<string, any> }) => e.node);
  expect(nodes.map((n: { framework: string }) => n.framework).sort()).toEqual(['ISO27001', 'SOC2']);
  const soc2 = nodes.find((n: { framework: string }) => n.framework === 'SOC2');
  const today = todayUtc();
  expect(compareDates(soc2.periodEnd as CalendarDate, addMonths(today, -12))).toBeGreaterThan(0);
  expect(soc2.bridgeLetters).toHaveLength(1);
  expect(soc2.freshness.state).toBe('CURRENT');

  const token = app.tokenFor(DEMO_USERS.vendorAdmin, devSubjectFor(DEMO_USERS.vendorAdmin));
  const mine = await app.gql(`{ viewer { memberships { role organization { slug } } } organization { attestations(status: [SUPERSEDED]) { edges { node { framework supersededBy { framework } } } } } }`, { token });
  expect(mine.errors).toBeUndefined();
  expect(mine.data!.viewer.memberships).toEqual([{ role: 'OWNER', organization: { slug: 'acme' } }]);
  expect(mine.data!.organization.attestations.edges).toEqual([{ node: { framework: 'SOC2', supersededBy: { framework: 'SOC2' } } }]);

  const buyer = app.tokenFor(DEMO_USERS.buyer, devSubjectFor(DEMO_USERS.buyer));
  const globex = await app.gql(`{ organization { slug } }`, { token: buyer });
  expect(globex.data).toEqual({ organization: { slug: 'globex' } });
});
