import type { EntityManager } from 'typeorm';
import type { Database } from '../../src/db/database';
import { DbScope } from '../../src/db/db-scope';
import { TenantScope } from '../../src/modules/auth/tenant-scope';

/**
 * Issue 11, item 8: a transaction's identity comes only from a named constructor. The checks marked @ts-expect-error
 * are the test: `npm test` type-checks first, and fails if any of these lines ever compiles.
 */
test('Database.transaction and actAs take only a DbScope, never a hand-built identity', () => {
  const neverCalled = (db: Database, m: EntityManager): void => {
    // @ts-expect-error a literal identity is not a DbScope
    void db.transaction({ orgId: 'a', visitor: true }, async () => 1);
    // @ts-expect-error nor is an object shaped like one (DbScope is nominal: its settings are private)
    void db.actAs(m, { identity: { orgId: 'a' } });
    // @ts-expect-error its constructor is private: only the named constructors make one
    void new DbScope({ orgId: 'a' });
  };
  expect(typeof neverCalled).toBe('function');
});

test('each named constructor sets exactly the settings of its one use', () => {
  expect(DbScope.member('o', 'u').identity).toEqual({ orgId: 'o', userId: 'u', customerOrgId: null, visitor: false });
  expect(DbScope.visitor('o', 'u', 'c').identity).toEqual({ orgId: 'o', userId: 'u', customerOrgId: 'c', visitor: true });
  expect(DbScope.apiKey('o').identity).toEqual({ orgId: 'o' });
  expect(DbScope.system('o').identity).toEqual({ orgId: 'o' });
  expect(DbScope.newOrganization('o', 'u', 's').identity).toEqual({ orgId: 'o', userId: 'u', orgSlug: 's', visitor: false });
  expect(DbScope.customerPortfolio('o', 'u').identity).toEqual({ orgId: 'o', userId: 'u', customerOrgId: 'o', publicReads: true, visitor: false });
  expect(DbScope.customerRequests('c', 'u').identity).toEqual({ customerOrgId: 'c', userId: 'u' });
  expect(DbScope.publicReads().identity).toEqual({ publicReads: true });
  expect(DbScope.slugLookup('s').identity).toEqual({ orgSlug: 's', userId: null });
  expect(DbScope.apiKeyLookup('k').identity).toEqual({ apiKeyId: 'k' });
  expect(DbScope.invitationLookup('h', 'u').identity).toEqual({ invitationTokenHash: 'h', userId: 'u' });
  expect(DbScope.invitee('o', 'u').identity).toEqual({ orgId: 'o', userId: 'u', visitor: false });
  expect(DbScope.documentLookup('d', null).identity).toEqual({ documentId: 'd', userId: null });
  expect(DbScope.tokenSubject('sub').identity).toEqual({ subject: 'sub' });
  expect(DbScope.user('u').identity).toEqual({ userId: 'u' });
  expect(DbScope.fanout('v').identity).toEqual({ fanoutVendorId: 'v' });
  expect(DbScope.sweep().identity).toEqual({ systemSweep: true });
});

test("a TenantScope's identity is a visitor's exactly when the scope is a visitor's", () => {
  expect(TenantScope.forVisitor('o', 'u').identity('c').identity).toEqual({ orgId: 'o', userId: 'u', customerOrgId: 'c', visitor: true });
  expect(TenantScope.forMember('o', 'u', 'OWNER').identity().identity).toEqual({ orgId: 'o', userId: 'u', customerOrgId: null, visitor: false });
  expect(TenantScope.forApiKey('o').identity().identity.visitor).toBe(false);
  expect(TenantScope.forSystem('o').identity().identity.visitor).toBe(false);
});
