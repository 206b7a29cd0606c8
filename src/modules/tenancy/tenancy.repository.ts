import type { EntityManager } from 'typeorm';
import type { TenantScope } from '../auth/tenant-scope';
import type { Role } from './membership.entity';
import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';

export interface MembershipRow {
  orgId: string;
  slug: string;
  name: string;
  role: Role;
}

export interface UserRow {
  id: string;
  email: string;
}

/** The only TypeORM user for tenancy tables. Runs inside a transaction the caller opened with the right identity. */
export const tenancyRepository = {
  /** The user a token subject names, if known. Needs `app.subject` set. */
  /** `alsoSelect`: one more select-list expression from Database (lookupActingAsUser's identity switch), never input. */
  async userBySubject(m: EntityManager, subject: string, alsoSelect?: string): Promise<UserRow | null> {
    const found: { id: string; email: string }[] = await m.query(`SELECT id, email${alsoSelect ? `, ${alsoSelect} AS acting` : ''} FROM users WHERE subject = $1`, [subject]);
    return found[0] ? { id: found[0].id, email: found[0].email } : null;
  },

  /** First sight creates the user; a changed email is kept up to date. Needs `app.subject` set. */
  async upsertUser(m: EntityManager, subject: string, email: string): Promise<UserRow> {
    const found = await this.userBySubject(m, subject);
    if (found) {
      if (found.email !== email) await m.query(`UPDATE users SET email = $2, last_seen_at = now() WHERE id = $1`, [found.id, email]);
      return { id: found.id, email };
    }
    const inserted: { id: string }[] = await m.query(
      `INSERT INTO users (subject, email) VALUES ($1, $2)
       ON CONFLICT (subject) DO UPDATE SET email = EXCLUDED.email RETURNING id`,
      [subject, email],
    );
    return { id: inserted[0]!.id, email };
  },

  /** The caller's memberships across orgs. Needs `app.user_id` set. */
  async membershipsOf(m: EntityManager, userId: string): Promise<MembershipRow[]> {
    const rows: { org_id: string; slug: string; name: string; role: Role }[] = await m.query(
      `SELECT m.org_id, o.slug, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id
       WHERE m.user_id = $1 ORDER BY o.slug`,
      [userId],
    );
    return rows.map((r) => ({ orgId: r.org_id, slug: r.slug, name: r.name, role: r.role }));
  },

  /**
   * Resolves a slug to its org (the whole row: a visitor's page shows it, without reading it again). Needs
   * `app.org_slug` set to the same slug (RLS reveals only that row).
   */
  async organizationBySlug(m: EntityManager, slug: string): Promise<OrganizationEntity | null> {
    return m.getRepository(OrganizationEntity).createQueryBuilder('o').where('o.slug = :slug', { slug }).getOne();
  },

  async orgIdForSlug(m: EntityManager, slug: string): Promise<string | null> {
    return (await this.organizationBySlug(m, slug))?.id ?? null;
  },

  async slugTaken(m: EntityManager, slug: string): Promise<boolean> {
    // The unique index is the real guard; this only lets the common case answer with a payload error, not a 500.
    return (await this.organizationBySlug(m, slug)) !== null;
  },

  async insertOrganization(m: EntityManager, org: { id: string; slug: string; name: string; emailDomains: string[] }): Promise<void> {
    await m.insert(OrganizationEntity, org);
  },

  async insertMembership(m: EntityManager, scope: TenantScope, userId: string, role: Role): Promise<void> {
    await m.insert(MembershipEntity, { orgId: scope.orgId, userId, role });
  },

  async organizationsByIds(m: EntityManager, ids: readonly string[]): Promise<OrganizationEntity[]> {
    return m.getRepository(OrganizationEntity).createQueryBuilder('o').where('o.id = ANY(:ids)', { ids }).getMany();
  },
};
