import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/database';
import { hashSecret } from '../../domain/api-keys';
import { ANONYMOUS, principalForIdentity, type Principal } from '../auth/principal';
import { TenantScope } from '../auth/tenant-scope';
import { NotFoundError } from '../common/errors';
import { queueMail, type MailSettings } from '../mail/mail.service';
import { link, render } from '../mail/mail.templates';
import { momentInWords } from '../../views/words';
import { TenancyService } from '../tenancy/tenancy.service';
import { TrustCenterService } from '../trust-center/trust-center.service';
import { guestRepository, type GuestPurpose, type GuestVerificationRow } from './guest.repository';

/**
 * Guest access (issue 15): a buyer without an account proves an address by a single-use link before anything is
 * filed as them. The link's token is `tpg_<vendor org id, 32 hex>_<secret, 43 base64url>`; only the SHA-256 of the
 * secret is stored (256 bits of entropy: a fast hash is enough), like invitations. What the verified address may then
 * do is decided elsewhere, by the same services and resolvers as the API (guest-access.plugin.ts).
 */
export const GUEST_LINK_TTL_MS = 15 * 60 * 1000;
/** Links one address may be sent per vendor within GUEST_LINK_TTL_MS. */
export const GUEST_LINKS_PER_ADDRESS = 3;
/** Expired links are kept this long (a late click answers "expired", not "unknown"), then deleted. */
const KEEP_EXPIRED_MS = 24 * 3600 * 1000;

const TOKEN = /^tpg_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export function newGuestToken(orgId: string): { token: string; tokenHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `tpg_${orgId.replace(/-/g, '')}_${secret}`, tokenHash: hashSecret(secret) };
}

export function parseGuestToken(token: string): { orgId: string; tokenHash: string } | null {
  const m = TOKEN.exec(token.trim());
  if (!m) return null;
  const hex = m[1]!;
  return { orgId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, tokenHash: hashSecret(m[2]!) };
}

/** The identity of a verified guest address: the same for every vendor, so one person is one user. */
export const guestIdentity = (email: string) => ({ subject: `guest:${email.toLowerCase()}`, email: email.toLowerCase(), emailVerified: true });

/** "Acme Corp." -> "acme-corp-3f9a2c": a fresh slug for a guest's organization (its name is the company as typed). */
export function guestOrganizationSlug(company: string): string {
  const base = company.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return `${base || 'guest'}-${randomBytes(3).toString('hex')}`;
}

export interface GuestVendor {
  orgId: string;
  slug: string;
  name: string;
}

export type GuestLinkInput =
  | { purpose: 'REQUEST'; email: string; name: string; company: string; reason: string | null; documentIds: string[] }
  | { purpose: 'SIGN_IN'; email: string };

export type ConsumeOutcome = { ok: true; verification: GuestVerificationRow } | { ok: false; reason: 'UNKNOWN' | 'EXPIRED' | 'USED' };

export function guestLinkMail(settings: MailSettings, f: { verificationId: string; to: string; vendor: GuestVendor; purpose: GuestPurpose; token: string; expiresAt: Date }) {
  const url = link(settings.publicBaseUrl, ['trust', f.vendor.slug, 'verify'], { token: f.token });
  const request = f.purpose === 'REQUEST';
  return {
    kind: request ? 'guest.verify_request' : 'guest.sign_in', category: 'TRANSACTIONAL' as const, eventKey: `guest.verify:${f.verificationId}`, to: f.to, redactAfterDelivery: true,
    content: render({
      title: request ? `Confirm your access request to ${f.vendor.name}` : `Sign in to ${f.vendor.name}'s trust center`,
      blocks: [
        request
          ? `Someone (we hope you) asked ${f.vendor.name} for access to its restricted documents with this address. Open the link and confirm: the request is filed only then.`
          : `Someone (we hope you) asked to sign in to ${f.vendor.name}'s trust center with this address.`,
        [['For', f.to], ['Link valid until', momentInWords(f.expiresAt)]],
        'The link works once. If you did not ask for it, ignore this mail: nothing happens.',
      ],
      action: { label: request ? 'Confirm the request' : 'Sign in', url },
      footer: 'You receive this because this address was entered on a trust center hosted by trust-portal.',
    }),
  };
}

export class GuestService {
  constructor(private readonly db: Database, private readonly mail: MailSettings) {}

  /** The vendor of a PUBLISHED trust center (anything else is NOT_FOUND, as for any visitor): null when none. */
  async vendor(slug: string): Promise<GuestVendor | null> {
    try {
      const found = await new TrustCenterService(this.db).bySlug(ANONYMOUS, slug);
      return { orgId: found.scope.orgId, slug: slug.trim().toLowerCase(), name: found.organizationName };
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  /**
   * Stores a single-use link and queues its mail in one transaction (as the system in the vendor's tenant: the mail is
   * the vendor's, its admins see it in mailDeliveries). Refused when the address had GUEST_LINKS_PER_ADDRESS already.
   */
  async sendLink(vendor: GuestVendor, input: GuestLinkInput, ip: string | null, now: Date): Promise<{ sent: true; expiresAt: Date } | { sent: false }> {
    const system = TenantScope.forSystem(vendor.orgId);
    const email = input.email.toLowerCase();
    return this.db.transaction(system.identity(), async (m) => {
      await guestRepository.purgeExpired(m, system, new Date(now.getTime() - KEEP_EXPIRED_MS));
      if (await guestRepository.sentSince(m, system, email, new Date(now.getTime() - GUEST_LINK_TTL_MS)) >= GUEST_LINKS_PER_ADDRESS) return { sent: false as const };
      const { token, tokenHash } = newGuestToken(vendor.orgId);
      const expiresAt = new Date(now.getTime() + GUEST_LINK_TTL_MS);
      const request = input.purpose === 'REQUEST' ? input : null;
      const id = await guestRepository.insert(m, system, {
        purpose: input.purpose, email, name: request?.name ?? null, company: request?.company ?? null, reason: request?.reason ?? null,
        documentIds: request?.documentIds ?? [], tokenHash, ip, createdAt: now, expiresAt,
      });
      await queueMail(m, system, this.mail, guestLinkMail(this.mail, { verificationId: id, to: email, vendor, purpose: input.purpose, token, expiresAt }));
      return { sent: true as const, expiresAt };
    });
  }

  /** Uses a link once: unknown (forged, another vendor's), expired and used links say so and change nothing. */
  consume(vendor: GuestVendor, token: string, now: Date): Promise<ConsumeOutcome> {
    return this.check(vendor, token, now, true);
  }

  /** What using the link now would answer, without using it (the confirm page of a dead link says so at once). */
  peek(vendor: GuestVendor, token: string, now: Date): Promise<ConsumeOutcome> {
    return this.check(vendor, token, now, false);
  }

  private async check(vendor: GuestVendor, token: string, now: Date, use: boolean): Promise<ConsumeOutcome> {
    const parsed = parseGuestToken(token);
    if (!parsed || parsed.orgId !== vendor.orgId) return { ok: false, reason: 'UNKNOWN' };
    const system = TenantScope.forSystem(vendor.orgId);
    return this.db.transaction(system.identity(), async (m): Promise<ConsumeOutcome> => {
      const row = await guestRepository.lockByHash(m, system, parsed.tokenHash);
      if (!row) return { ok: false, reason: 'UNKNOWN' };
      if (row.consumedAt) return { ok: false, reason: 'USED' };
      if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'EXPIRED' };
      if (!use) return { ok: true, verification: row };
      await guestRepository.consume(m, system, row.id, now);
      return { ok: true, verification: { ...row, consumedAt: now } };
    });
  }

  /**
   * The verified address as a principal, built like a JWT user's (principalForIdentity). A first request also gives
   * the user an organization named after the company (TenancyService.createOrganization: they become its OWNER, as
   * anyone creating an organization through the API); a returning user keeps theirs. Organizations are never found by
   * name: typing a company name must not join anyone to an existing organization.
   */
  async principalFor(email: string, company: string | null, client: { ip: string | null; userAgent: string | null } = { ip: null, userAgent: null }): Promise<Principal> {
    const identity = guestIdentity(email);
    let principal = await principalForIdentity(this.db, identity, null);
    if (principal.memberships.length === 0 && company) {
      const tenancy = new TenancyService(this.db);
      const actor = { userId: principal.user?.id ?? null, email: principal.user?.email ?? null, orgId: null, ...client };
      let created = await tenancy.createOrganization(principal, actor, { slug: guestOrganizationSlug(company), name: company });
      // 24 random bits after the name: a second collision in a row is not worth another round.
      if (!created.organization) created = await tenancy.createOrganization(principal, actor, { slug: guestOrganizationSlug(company), name: company });
      if (!created.organization) throw new Error(`guest organization: ${created.errors.map((e) => e.message).join('; ')}`);
      principal = await principalForIdentity(this.db, identity, null);
    }
    if (!principal.active && principal.memberships.length > 1) {
      // Invited elsewhere since: act for the organization named after this company, else the first one.
      const chosen = principal.memberships.find((mb) => mb.name === company) ?? principal.memberships[0]!;
      principal = await principalForIdentity(this.db, identity, chosen.orgId);
    }
    return principal;
  }
}
