import type { MailSettings, OutgoingMail } from './mail.service';
import { dayInWords, momentInWords } from '../../views/words';
import { link, render } from './mail.templates';

/**
 * The transactional mails of issue 13, one builder each: what the mail says, to whom, and the event it is about
 * (its eventKey, so a repeated cause queues nothing new). Pure: the services gather the facts in their transaction
 * and queue the result with `queueMail`. Links point under PUBLIC_BASE_URL: `/trust/<slug>` is the hosted trust
 * center; the other paths name the web app's pages, and each mail also says how to do the same through the API.
 */

const FOOTER_MEMBER = 'You receive this because of your role in the organization named above on trust-portal.';
const FOOTER_CUSTOMER = 'You receive this because you asked this vendor for access on trust-portal.';

/** "SOC 2 report, Pen test 2026" or "every restricted document" (at most 10 titles, then a count). */
export function documentsPhrase(titles: readonly string[] | null): string {
  if (titles === null || titles.length === 0) return 'every restricted document';
  const shown = titles.slice(0, 10).join(', ');
  return titles.length > 10 ? `${shown} and ${titles.length - 10} more` : shown;
}

export function invitationMail(settings: MailSettings, f: {
  invitationId: string; resendCount: number; to: string; orgName: string; inviterEmail: string | null; role: string; token: string; expiresAt: Date;
}): OutgoingMail {
  const who = f.inviterEmail ?? 'An administrator';
  return {
    kind: 'member.invitation', category: 'TRANSACTIONAL', eventKey: `member.invitation:${f.invitationId}:${f.resendCount}`, to: f.to, redactAfterDelivery: true,
    content: render({
      title: `Join ${f.orgName} on trust-portal`,
      blocks: [
        `${who} invited you to join ${f.orgName} as ${f.role}.`,
        [['Organization', f.orgName], ['Role', f.role], ['Invitation for', f.to], ['Expires', momentInWords(f.expiresAt)]],
        `Sign in as ${f.to} (your identity provider must have verified that address), then accept. Through the API: the acceptInvitation mutation with the token ${f.token}`,
        'If you did not expect this invitation, ignore this mail: nothing happens unless you accept.',
      ],
      action: { label: 'Accept the invitation', url: link(settings.publicBaseUrl, ['invitations', 'accept'], { token: f.token }) },
      footer: 'You receive this because someone invited this address to an organization on trust-portal.',
    }),
  };
}

export function accessRequestedMail(settings: MailSettings, f: {
  requestId: string; to: string; recipientUserId: string; vendorName: string; requesterEmail: string; requesterOrgName: string; reason: string | null; documentTitles: readonly string[] | null; requestedAt: Date;
}): OutgoingMail {
  return {
    kind: 'access.requested', category: 'TRANSACTIONAL', eventKey: `access.requested:${f.requestId}:${f.recipientUserId}`, to: f.to,
    content: render({
      title: `${f.requesterOrgName} asks for access to ${f.vendorName}'s documents`,
      blocks: [
        `${f.requesterEmail} of ${f.requesterOrgName} asked for access on ${momentInWords(f.requestedAt)}. The request waits for a decision.`,
        [['Who', f.requesterEmail], ['Company', f.requesterOrgName], ['Documents', documentsPhrase(f.documentTitles)], ['Reason', f.reason ?? 'No reason given']],
        `Approve or deny it; through the API: decideAccessRequest with id ${f.requestId}.`,
      ],
      action: { label: 'Review the request', url: link(settings.publicBaseUrl, ['access-requests', f.requestId]) },
      footer: `${FOOTER_MEMBER} (${f.vendorName}: owners, admins and access managers decide access requests)`,
    }),
  };
}

export function accessApprovedMail(settings: MailSettings, f: {
  requestId: string; to: string; vendorName: string; vendorSlug: string; documentTitles: readonly string[] | null; expiresAt: Date; ndaVersion: number | null;
}): OutgoingMail {
  const next = f.ndaVersion !== null
    ? `Next step: accept ${f.vendorName}'s NDA (version ${f.ndaVersion}) on its trust center; the documents can be downloaded once it is accepted.`
    : 'Next step: download the documents from the trust center.';
  return {
    kind: 'access.approved', category: 'TRANSACTIONAL', eventKey: `access.approved:${f.requestId}`, to: f.to,
    content: render({
      title: `${f.vendorName} approved your access request`,
      blocks: [
        `${f.vendorName} approved your request.`,
        [['Documents', documentsPhrase(f.documentTitles)], ['Access until', momentInWords(f.expiresAt)]],
        next,
      ],
      // The buyer's access page on the hosted trust center: status, the NDA to accept, the downloads (issue 15).
      action: { label: f.ndaVersion !== null ? 'Read and accept the NDA' : 'Open your documents', url: link(settings.publicBaseUrl, ['trust', f.vendorSlug, 'access']) },
      footer: FOOTER_CUSTOMER,
    }),
  };
}

export function accessDeniedMail(settings: MailSettings, f: { requestId: string; to: string; vendorName: string; vendorSlug: string; reason: string | null }): OutgoingMail {
  return {
    kind: 'access.denied', category: 'TRANSACTIONAL', eventKey: `access.denied:${f.requestId}`, to: f.to,
    content: render({
      title: `${f.vendorName} declined your access request`,
      blocks: [
        `${f.vendorName} declined your request for access to its restricted documents.`,
        [["Vendor's reason", f.reason ?? 'No reason given']],
        "You can still read what its trust center shows publicly, or contact the vendor.",
      ],
      action: { label: 'Open the trust center', url: link(settings.publicBaseUrl, ['trust', f.vendorSlug]) },
      footer: FOOTER_CUSTOMER,
    }),
  };
}

export function grantExpiringMail(settings: MailSettings, f: { requestId: string; to: string; vendorName: string; vendorSlug: string; documentTitles: readonly string[] | null; expiresAt: Date }): OutgoingMail {
  return {
    kind: 'access.expiring', category: 'TRANSACTIONAL', eventKey: `access.expiring:${f.requestId}:${f.expiresAt.toISOString()}`, to: f.to,
    content: render({
      title: `Your access to ${f.vendorName}'s documents ends on ${dayInWords(f.expiresAt, 'long')}`,
      blocks: [
        `Your access to ${f.vendorName}'s documents ends in 7 days or less.`,
        [['Documents', documentsPhrase(f.documentTitles)], ['Access until', momentInWords(f.expiresAt)]],
        'To keep it, ask the vendor for access again before then.',
      ],
      action: { label: 'Open the trust center', url: link(settings.publicBaseUrl, ['trust', f.vendorSlug]) },
      footer: FOOTER_CUSTOMER,
    }),
  };
}

export function ndaReceiptMail(settings: MailSettings, f: {
  acceptanceId: string; to: string; vendorName: string; vendorSlug: string; version: number; bodySha256: string; acceptedAt: Date; signerName: string; signerTitle: string | null; customerOrgName: string;
}): OutgoingMail {
  return {
    kind: 'nda.receipt', category: 'TRANSACTIONAL', eventKey: `nda.receipt:${f.acceptanceId}`, to: f.to,
    content: render({
      title: `Receipt: you accepted ${f.vendorName}'s NDA (version ${f.version})`,
      blocks: [
        `You accepted ${f.vendorName}'s NDA on behalf of ${f.customerOrgName}. Keep this receipt: the text hash identifies the exact text you accepted.`,
        [
          ['Vendor', f.vendorName], ['NDA version', String(f.version)], ['Text SHA-256', f.bodySha256], ['Accepted', momentInWords(f.acceptedAt)],
          ['Signed by', f.signerTitle ? `${f.signerName}, ${f.signerTitle}` : f.signerName], ['For', f.customerOrgName],
        ],
      ],
      action: { label: 'Open the trust center', url: link(settings.publicBaseUrl, ['trust', f.vendorSlug]) },
      footer: 'You receive this because you accepted an NDA on trust-portal.',
    }),
  };
}
