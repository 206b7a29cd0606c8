/**
 * Access requests: the state machine and the vendor's policy, with no I/O.
 * REQUESTED -> APPROVED | DENIED; APPROVED -> REVOKED | EXPIRED. DENIED, REVOKED and EXPIRED are final.
 */
export const ACCESS_STATES = ['REQUESTED', 'APPROVED', 'DENIED', 'REVOKED', 'EXPIRED'] as const;
export type AccessState = (typeof ACCESS_STATES)[number];

export const ACCESS_TRANSITIONS: Readonly<Record<AccessState, readonly AccessState[]>> = {
  REQUESTED: ['APPROVED', 'DENIED'],
  APPROVED: ['REVOKED', 'EXPIRED'],
  DENIED: [],
  REVOKED: [],
  EXPIRED: [],
};

export const canMove = (from: AccessState, to: AccessState): boolean => ACCESS_TRANSITIONS[from].includes(to);

/** A stored APPROVED request whose grant has run out reads as EXPIRED (no sweep needed to be right). */
export function effectiveState(state: AccessState, grantExpiresAt: Date | null, now: Date): AccessState {
  return state === 'APPROVED' && grantExpiresAt !== null && grantExpiresAt.getTime() <= now.getTime() ? 'EXPIRED' : state;
}

/** Well-known free mail providers: an address there says nothing about the requester's company. */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'hotmail.com', 'outlook.com', 'live.com', 'msn.com',
  'aol.com', 'icloud.com', 'me.com', 'mac.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de', 'web.de',
  'mail.com', 'yandex.com', 'yandex.ru', 'zoho.com', 'fastmail.com', 'hey.com', 'tutanota.com', 'qq.com', '163.com',
]);

export interface AccessPolicy {
  autoApproveDomains: readonly string[];
  autoApproveOrgIds: readonly string[];
  blockedDomains: readonly string[];
  blockFreeMailDomains: boolean;
}

export type AccessDecision =
  | { kind: 'BLOCKED'; code: 'BLOCKED_DOMAIN' | 'FREE_MAIL_DOMAIN'; rule: string }
  | { kind: 'AUTO_APPROVE'; rule: string }
  | { kind: 'MANUAL' };

export const emailDomain = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/** Matches a domain and its subdomains: "acme.com" covers "eu.acme.com". */
function domainMatches(domain: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  return domain === p || domain.endsWith(`.${p}`);
}

/**
 * What the vendor's policy says about a request. Blocks win over auto-approval; the verified email domain is the
 * requester's token email (the identity provider verified it), never the customer org's self-declared domains.
 */
export function evaluateAccessPolicy(policy: AccessPolicy, requester: { email: string; orgId: string; emailVerified?: boolean }): AccessDecision {
  const domain = emailDomain(requester.email);
  const blocked = policy.blockedDomains.find((d) => domainMatches(domain, d));
  if (blocked) return { kind: 'BLOCKED', code: 'BLOCKED_DOMAIN', rule: `blocked domain ${blocked}` };
  if (policy.blockFreeMailDomains && FREE_MAIL_DOMAINS.has(domain)) return { kind: 'BLOCKED', code: 'FREE_MAIL_DOMAIN', rule: `free mail domain ${domain}` };
  if (policy.autoApproveOrgIds.includes(requester.orgId)) return { kind: 'AUTO_APPROVE', rule: 'listed customer organization' };
  // Approval by domain trusts the address: only one the identity provider verified (blocks apply either way).
  const approved = requester.emailVerified === false ? undefined : policy.autoApproveDomains.find((d) => domainMatches(domain, d));
  if (approved) return { kind: 'AUTO_APPROVE', rule: `verified email domain ${approved}` };
  return { kind: 'MANUAL' };
}

export interface NdaPolicy {
  required: boolean;
  /** The published template customers must accept; none published means nothing to accept. */
  currentTemplateId: string | null;
  scope: 'USER' | 'ORGANIZATION';
  /** When false, an acceptance of any earlier version still counts. */
  reacceptOnNewVersion: boolean;
}

export interface AcceptanceFact {
  source: 'CLICKWRAP' | 'ON_FILE';
  templateId: string | null;
  signerUserId: string | null;
}

/**
 * Whether a customer user may receive NDA-gated files. An NDA on file (recorded by the vendor) covers the whole
 * customer organization for every version; a click-through acceptance covers the signer, or the signer's organization
 * when the policy says so, for the current version (or any version when re-acceptance is off).
 */
export function ndaSatisfied(policy: NdaPolicy, acceptances: readonly AcceptanceFact[], userId: string): boolean {
  if (!policy.required) return true;
  // Required but not yet published: nothing can satisfy it (fail closed), except an NDA on file.
  if (policy.currentTemplateId === null) return acceptances.some((a) => a.source === 'ON_FILE');
  return acceptances.some((a) => {
    if (a.source === 'ON_FILE') return true;
    if (policy.scope === 'USER' && a.signerUserId !== userId) return false;
    return !policy.reacceptOnNewVersion || a.templateId === policy.currentTemplateId;
  });
}
