import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { normalizeEmail } from '../domain/invitations';
import { buildContext } from '../graphql/context';
import { authorize } from '../modules/auth/authorize';
import { ANONYMOUS, type Principal } from '../modules/auth/principal';
import { CSRF_COOKIE, csrfToken, csrfValid, issueSession, newCsrfSecret, parseCookies, readSession, serializeCookie, SESSION_COOKIE, SESSION_TTL_MS } from '../modules/auth/session';
import { AccessService, accessRecords } from '../modules/access/access.service';
import { GuestService, guestIdentity, type GuestVendor } from '../modules/guest/guest.service';
import { trustCenters } from '../modules/trust-center/trust-center.service';
import { accessPage, checkInboxPage, confirmPage, messagePage, requestFormPage, signInPage, type AccessView, type FieldErrors, type PageFrame, type RequestFormValues } from '../views/guest-pages';
import { TRUST_PAGE_CSS_PATH } from '../views/trust-page.css';
import { clientIp, compileTrust } from './client-ip';
import { perAddressLimit } from './rate-limit';
import { pageHeaders } from './page-headers';
import type { TrustPageOptions } from './trust-page.plugin';

/**
 * Guest access requests of the hosted trust center (issue 15), server-rendered under the page's CSP:
 *   GET/POST /trust/:slug/request-access   the form; a valid POST mails a single-use link (15 minutes)
 *   GET/POST /trust/:slug/verify           the link's confirm page; its POST uses the link, files the request as the
 *                                          verified user (requestAccess, as the API) and starts the session
 *   GET      /trust/:slug/access           the buyer's request, NDA and downloads (or a sign-in form)
 *   POST     /trust/:slug/sign-in | nda | download | sign-out
 * Every POST checks the CSRF pair (cookie tp_csrf + the form's HMAC of it): 403 otherwise. What a signed-in buyer
 * does runs through the GraphQL resolvers in-process with a principal built exactly as a JWT user's: the session adds
 * no power of its own. Links go out at most GUEST_MAIL_PER_IP_PER_MINUTE per client address and GUEST_LINKS_PER_ADDRESS
 * per email (guest.service.ts).
 */
/** What the hosted page's routes get, but the public response cache: nothing here is cached (every answer is no-store). */
export type GuestAccessOptions = Omit<TrustPageOptions, 'cache'>;

/** Mails (request and sign-in links) one client address may cause per minute. */
export const GUEST_MAIL_PER_IP_PER_MINUTE = 5;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Fixed notices a redirect may name (never text from the query string). */
const NOTICES: Record<string, string> = {
  requested: 'Your address is confirmed and your request is filed.',
  'already-requested': 'Your address is confirmed. You already have an open request with this vendor; it waits for a decision.',
  'already-granted': 'Your address is confirmed. Your organization already has access to these documents.',
  'nda-accepted': 'Thank you: the NDA is accepted. You can download the documents now.',
  'nda-required': 'Accept the NDA below before downloading.',
  'signed-in': 'You are signed in.',
  'signed-out': 'You are signed out.',
};

const ACCESS_QUERY = /* GraphQL */ `
  query GuestAccessPage($slug: String!) {
    trustCenter(slug: $slug) {
      name nda { title version body }
      documents(first: 100) { edges { node { id title visibility } } }
    }
    viewer {
      activeOrganization {
        name
        outgoingAccessRequests(first: 100) { edges { node { id state createdAt grantExpiresAt decisionReason scope vendor { slug } documents { id title } } } }
      }
    }
  }
`;

interface AccessQueryData {
  trustCenter: { name: string; nda: { title: string; version: number; body: string } | null; documents: { edges: { node: { id: string; title: string; visibility: string } }[] } };
  viewer: { activeOrganization: { name: string; outgoingAccessRequests: { edges: { node: {
    id: string; state: string; createdAt: string; grantExpiresAt: string | null; decisionReason: string | null; scope: string; vendor: { slug: string } | null; documents: { id: string; title: string }[];
  } }[] } } | null } | null;
}

const text = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | null)?.[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
};
const list = (body: unknown, name: string): string[] => {
  const v = (body as Record<string, unknown> | null)?.[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
};
const tooLong = (value: string, max: number) => [...value].length > max;

export async function guestAccessRoutes(app: FastifyInstance, options: GuestAccessOptions): Promise<void> {
  const { apollo, config, db, storage, logger, now, limiter } = options;
  const trust = compileTrust(config.trustProxy);
  const perAddress = perAddressLimit(limiter, trust, now);
  const secret = config.session.secret;
  const guests = new GuestService(db, config.mail);
  const cookieBase = { path: '/trust', secure: config.session.secureCookies };
  const cookieOf = (request: FastifyRequest, name: string) => parseCookies(request.headers.cookie).get(name);
  /** Adds a Set-Cookie header (several may go out on one response). */
  const setCookie = (reply: FastifyReply, name: string, value: string, maxAge?: number) => {
    const previous = reply.getHeader('set-cookie');
    const list = Array.isArray(previous) ? previous.map(String) : previous === undefined ? [] : [String(previous)];
    void reply.header('set-cookie', [...list, serializeCookie(name, value, { ...cookieBase, maxAge })]);
  };

  // Forms are small: 64 KiB is far above the longest valid one (reason 2000 characters, 100 document ids).
  await app.register(formbody, { bodyLimit: 65_536 });

  const frameOf = (slug: string, vendor: GuestVendor | null): PageFrame => ({ stylesheet: TRUST_PAGE_CSS_PATH, slug, vendorName: vendor?.name ?? null });
  // The download button's form answers 303 to a presigned storage URL, and browsers apply form-action to the
  // redirect too: the storage origin (the same for every object) must be allowed there, or the download is blocked.
  const storageOrigin = new URL((await storage.presignDownload('csp-origin-probe', 'probe', 'application/octet-stream', now())).url).origin;
  // The verify page's URL carries the token: it never leaves in a Referer.
  const headers = { ...pageHeaders({ storageOrigin, referrer: 'no-referrer' }), 'cache-control': 'no-store' };
  const send = (reply: FastifyReply, status: number, body: string) => reply.code(status).headers(headers).type('text/html; charset=utf-8').send(body);

  /** The browser's CSRF secret, set now when it has none; the form field is an HMAC of it. */
  function csrfFor(request: FastifyRequest, reply: FastifyReply): string {
    let value = cookieOf(request, CSRF_COOKIE);
    if (!value || value.length > 200) {
      value = newCsrfSecret();
      setCookie(reply, CSRF_COOKIE, value);
    }
    return csrfToken(secret, value);
  }

  /** The published trust center the path names, or a 404 page already sent. */
  async function vendorOr404(slug: string, reply: FastifyReply): Promise<GuestVendor | null> {
    const vendor = SLUG.test(slug) ? await guests.vendor(slug) : null;
    if (!vendor) void send(reply, 404, messagePage(frameOf(slug, null), 'Not found', 'There is no published trust center here.'));
    return vendor;
  }

  /** Refuses a POST without the CSRF pair (403 page); true when it was refused. */
  function csrfRefused(request: FastifyRequest, reply: FastifyReply, vendor: GuestVendor): boolean {
    if (csrfValid(secret, cookieOf(request, CSRF_COOKIE), text(request.body, 'csrf'))) return false;
    void send(reply, 403, messagePage(frameOf(vendor.slug, vendor), 'Form expired', 'This form could not be verified (it is old, or was sent from another site). Go back, reload the page and try again.',
      { href: `/trust/${vendor.slug}`, label: 'Back to the trust center' }));
    return true;
  }

  /** Past the per-address limit of mails: 429 page with Retry-After; true when refused. */
  async function mailLimited(request: FastifyRequest, reply: FastifyReply, vendor: GuestVendor): Promise<boolean> {
    const decision = await perAddress(request, 'guest-mail', GUEST_MAIL_PER_IP_PER_MINUTE);
    if (!decision || decision.allowed) return false;
    void send(reply.header('retry-after', String(decision.resetSeconds)), 429, messagePage(frameOf(vendor.slug, vendor), 'Too many requests',
      `Too many links were asked for from this address: ${decision.limit} a minute. Try again in a minute.`));
    return true;
  }

  const clientOf = (request: FastifyRequest) => {
    const userAgent = request.headers['user-agent'];
    return { ip: clientIp(request.raw, trust), userAgent: userAgent ? userAgent.slice(0, 512) : null };
  };

  /** Runs an operation through the resolvers as `principal` (the same rules as the API); typed data or the errors. */
  async function run<T>(request: FastifyRequest, principal: Principal, query: string, variables: Record<string, unknown>): Promise<{ data: T | null; codes: string[] }> {
    const contextValue = buildContext({ requestId: request.id, principal, db, storage, logger, config, now, client: clientOf(request) });
    const response = await apollo.executeOperation<T>({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    const { data, errors } = response.body.singleResult;
    const codes = (errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
    if (codes.some((c) => c !== 'NOT_FOUND')) throw new Error(`guest operation failed: ${(errors ?? []).map((e) => `${String(e.extensions?.code)} ${e.message}`).join('; ')}`);
    return { data: (data ?? null) as T | null, codes };
  }

  /** The signed-in buyer, or null (no cookie, forged, expired: anonymous). */
  async function sessionPrincipal(request: FastifyRequest): Promise<Principal | null> {
    const claims = readSession(secret, cookieOf(request, SESSION_COOKIE), now());
    // Sessions are issued for guest identities only (startSession): the same principal as the verify step builds.
    return claims ? guests.principalFor(claims.email, null) : null;
  }

  function startSession(reply: FastifyReply, email: string): void {
    const { value } = issueSession(secret, guestIdentity(email), now());
    setCookie(reply, SESSION_COOKIE, value, SESSION_TTL_MS / 1000);
  }

  const see = (reply: FastifyReply, slug: string, notice: keyof typeof NOTICES) =>
    reply.code(303).headers({ location: `/trust/${slug}/access?notice=${notice}`, 'cache-control': 'no-store' }).send();

  // ---- the request form ----------------------------------------------------------------------------------------

  async function restrictedDocuments(request: FastifyRequest, slug: string): Promise<{ id: string; title: string }[]> {
    const { data } = await run<{ trustCenter: { documents: { edges: { node: { id: string; title: string; visibility: string } }[] } } }>(
      request, ANONYMOUS, 'query GuestRequestForm($slug: String!) { trustCenter(slug: $slug) { documents(first: 100) { edges { node { id title visibility } } } } }', { slug });
    return (data?.trustCenter.documents.edges ?? []).map((e) => e.node).filter((d) => d.visibility === 'RESTRICTED').map(({ id, title }) => ({ id, title }));
  }

  app.get<{ Params: { slug: string }; Querystring: { document?: string | string[] } }>('/trust/:slug/request-access', async (request, reply) => {
    const vendor = await vendorOr404(request.params.slug, reply);
    if (!vendor) return reply;
    const documents = await restrictedDocuments(request, vendor.slug);
    const asked = list(request.query, 'document').filter((id) => documents.some((d) => d.id === id));
    const values: RequestFormValues = { email: '', name: '', company: '', reason: '', documentIds: asked };
    return send(reply, 200, requestFormPage(frameOf(vendor.slug, vendor), { csrf: csrfFor(request, reply), documents, values, errors: {} }));
  });

  app.post<{ Params: { slug: string } }>('/trust/:slug/request-access', async (request, reply) => {
    const vendor = await vendorOr404(request.params.slug, reply);
    if (!vendor || csrfRefused(request, reply, vendor)) return reply;
    const documents = await restrictedDocuments(request, vendor.slug);
    const values: RequestFormValues = {
      email: text(request.body, 'email').trim(), name: text(request.body, 'name').trim(), company: text(request.body, 'company').trim(),
      reason: text(request.body, 'reason').replace(/\r\n/g, '\n').trim(), documentIds: [...new Set(list(request.body, 'documents'))],
    };
    const errors: FieldErrors = {};
    const email = normalizeEmail(values.email);
    if (!email) errors.email = 'Enter your email address, like name@company.com (at most 254 characters).';
    if (values.name.length === 0 || tooLong(values.name, 200)) errors.name = 'Enter your name (1 to 200 characters).';
    if (values.company.length === 0 || tooLong(values.company, 200)) errors.company = 'Enter your company (1 to 200 characters).';
    if (tooLong(values.reason, 2000)) errors.reason = 'The reason is at most 2000 characters.';
    if (values.documentIds.length > 100 || values.documentIds.some((id) => !documents.some((d) => d.id === id))) {
      errors.documents = 'Choose among the restricted documents listed here.';
      values.documentIds = values.documentIds.filter((id) => documents.some((d) => d.id === id));
    } else if (documents.length === 0) {
      errors.documents = 'This trust center has no restricted documents to request.';
    }
    if (!email || Object.keys(errors).length > 0) {
      return send(reply, 400, requestFormPage(frameOf(vendor.slug, vendor), { csrf: csrfFor(request, reply), documents, values, errors }));
    }
    if (await mailLimited(request, reply, vendor)) return reply;
    const sent = await guests.sendLink(vendor, {
      purpose: 'REQUEST', email, name: values.name, company: values.company, reason: values.reason || null, documentIds: values.documentIds,
    }, clientOf(request).ip, now());
    if (!sent.sent) return send(reply, 429, messagePage(frameOf(vendor.slug, vendor), 'Too many links', 'We already sent several links to this address in the last 15 minutes: use one of them, or try again later.'));
    return send(reply, 200, checkInboxPage(frameOf(vendor.slug, vendor), { email, expiresAt: sent.expiresAt }));
  });

  // ---- the mailed link -----------------------------------------------------------------------------------------

  const linkProblems = {
    UNKNOWN: 'This link is not valid: it may be incomplete, or belong to another trust center.',
    EXPIRED: 'This link has expired (links work for 15 minutes). Ask for a new one.',
    USED: 'This link was already used (each link works once). Ask for a new one, or sign in.',
  } as const;
  const linkProblem = (reply: FastifyReply, vendor: GuestVendor, reason: keyof typeof linkProblems) =>
    send(reply, 400, messagePage(frameOf(vendor.slug, vendor), reason === 'EXPIRED' ? 'Link expired' : reason === 'USED' ? 'Link already used' : 'Link not valid',
      linkProblems[reason], { href: `/trust/${vendor.slug}/access`, label: 'Get a new link' }));

  app.get<{ Params: { slug: string }; Querystring: { token?: string } }>('/trust/:slug/verify', async (request, reply) => {
    const vendor = await vendorOr404(request.params.slug, reply);
    if (!vendor) return reply;
    const token = text(request.query, 'token');
    const state = await guests.peek(vendor, token, now());
    if (!state.ok) return linkProblem(reply, vendor, state.reason);
    return send(reply, 200, confirmPage(frameOf(vendor.slug, vendor), { csrf: csrfFor(request, reply), token }));
  });

  app.post<{ Params: { slug: string } }>('/trust/:slug/verify', async (request, reply) => {
    const vendor = await vendorOr404(request.params.slug, reply);
    if (!vendor || csrfRefused(request, reply, vendor)) return reply;
    const outcome = await guests.consume(vendor, text(request.body, 'token'), now());
    if (!outcome.ok) return linkProblem(reply, vendor, outcome.reason);
    const v = outcome.verification;
    if (v.purpose === 'SIGN_IN') {
      startSession(reply, v.email);
      return see(reply, vendor.slug, 'signed-in');
    }
    const principal = await guests.principalFor(v.email, v.company, clientOf(request));
    const { data } = await run<{ requestAccess: { accessRequest: { id: string; state: string } | null; errors: { code: string; message: string }[] } }>(request, principal,
      'mutation GuestRequestAccess($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id state } errors { code message } } }',
      { i: { trustCenterSlug: vendor.slug, documentIds: v.documentIds, reason: v.reason } });
    startSession(reply, v.email);
    const error = data?.requestAccess.errors[0];
    if (!error) return see(reply, vendor.slug, 'requested');
    if (error.code === 'ALREADY_REQUESTED') return see(reply, vendor.slug, 'already-requested');
    if (error.code === 'ALREADY_GRANTED') return see(reply, vendor.slug, 'already-granted');
    return send(reply, 400, messagePage(frameOf(vendor.slug, vendor), 'Request not filed', error.message, { href: `/trust/${vendor.slug}/request-access`, label: 'Request access again' }));
  });

  // ---- the buyer's access page ----------------------------------------------------------------------------------

  /** Whether the vendor's NDA policy still asks this buyer to accept (the check the download path makes, read-only). */
  async function ndaPending(principal: Principal, vendor: GuestVendor): Promise<boolean> {
    const customer = principal.active;
    if (!customer || !principal.user) return false;
    const scope = authorize(principal, 'visit', { orgId: vendor.orgId });
    return db.transaction(scope.identity(customer.orgId), async (m) => {
      const trustCenter = await trustCenters.find(m, scope);
      if (!trustCenter?.ndaRequired) return false;
      return !AccessService.ndaOnFile(trustCenter, await accessRecords.acceptancesFor(m, scope, customer.orgId), principal.user!.id);
    });
  }

  async function accessView(request: FastifyRequest, principal: Principal, vendor: GuestVendor): Promise<AccessView> {
    const { data } = await run<AccessQueryData>(request, principal, ACCESS_QUERY, { slug: vendor.slug });
    const org = data?.viewer?.activeOrganization ?? null;
    const mine = (org?.outgoingAccessRequests.edges ?? []).map((e) => e.node).filter((r) => r.vendor?.slug === vendor.slug);
    const restricted = (data?.trustCenter.documents.edges ?? []).map((e) => e.node).filter((d) => d.visibility === 'RESTRICTED');
    const granted = new Map<string, string>();
    for (const r of mine.filter((x) => x.state === 'APPROVED')) {
      for (const d of r.scope === 'ALL_RESTRICTED' ? restricted : r.documents) granted.set(d.id, d.title);
    }
    // The newest request speaks for the relationship; a live approval outranks a newer denial or pending request.
    const shown = mine.find((r) => r.state === 'APPROVED') ?? mine[0] ?? null;
    return {
      email: principal.user!.email,
      organizationName: org?.name ?? null,
      request: shown ? { state: shown.state, createdAt: shown.createdAt, grantExpiresAt: shown.grantExpiresAt, decisionReason: shown.decisionReason } : null,
      nda: shown?.state === 'APPROVED' && data?.trustCenter.nda && (await ndaPending(principal, vendor)) ? data.trustCenter.nda : null,
      documents: [...granted].map(([id, title]) => ({ id, title })),
    };
  }

  async function renderAccess(request: FastifyRequest, reply: FastifyReply, vendor: GuestVendor, principal: Principal, status: number, extra: { notice?: string | null; errors?: FieldErrors; signer?: { name: string; title: string } } = {}) {
    const view = await accessView(request, principal, vendor);
    return send(reply, status, accessPage(frameOf(vendor.slug, vendor), { csrf: csrfFor(request, reply), view, notice: extra.notice ?? null, errors: extra.errors ?? {}, signer: extra.signer ?? { name: '', title: '' } }));
  }

  app.get<{ Params: { slug: string }; Querystring: { notice?: string } }>('/trust/:slug/access', async (request, reply) => {
    const vendor = await vendorOr404(request.params.slug, reply);
    if (!vendor) return reply;
    const noticeKey = text(request.query, 'notice');
    const notice = Object.hasOwn(NOTICES, noticeKey) ? NOTICES[noticeKey]! : null;
    const principal = await sessionPrincipal(request);
    if (!principal) return send(reply, 200, signInPage(frameOf(vendor.slug, vendor), { csrf: csrfFor(request, reply), email: '', errors: {}, notice }));
    return renderAccess(request, reply, vendor, principal, 200, { notice });
  });

  app.post<{ Params: { slug: string } }>('/trust/:slug/sign-in', async (request, reply) => {
    const vendor = await vendorOr404(request.params.slug, reply);
    if (!vendor || csrfRefused(request, reply, vendor)) return reply;
    const typed = text(request.body, 'email').trim();
    const email = normalizeEmail(typed);
    if (!email) {
      return send(reply, 400, signInPage(frameOf(vendor.slug, vendor), { csrf: csrfFor(request, reply), email: typed.slice(0, 254), errors: { email: 'Enter your email address, like name@company.com.' }, notice: null }));
    }
    if (await mailLimited(request, reply, vendor)) return reply;
    const sent = await guests.sendLink(vendor, { purpose: 'SIGN_IN', email }, clientOf(request).ip, now());
    if (!sent.sent) return send(reply, 429, messagePage(frameOf(vendor.slug, vendor), 'Too many links', 'We already sent several links to this address in the last 15 minutes: use one of them, or try again later.'));
    return send(reply, 200, checkInboxPage(frameOf(vendor.slug, vendor), { email, expiresAt: sent.expiresAt }));
  });

  /** A POST that needs the session: the principal, or the sign-in page (401) already sent. */
  async function signedIn(request: FastifyRequest, reply: FastifyReply, vendor: GuestVendor): Promise<Principal | null> {
    const principal = await sessionPrincipal(request);
    if (!principal) void send(reply, 401, signInPage(frameOf(vendor.slug, vendor), { csrf: csrfFor(request, reply), email: '', errors: {}, notice: 'Your session has ended: sign in again.' }));
    return principal;
  }

  app.post<{ Params: { slug: string } }>('/trust/:slug/nda', async (request, reply) => {
    const vendor = await vendorOr404(request.params.slug, reply);
    if (!vendor || csrfRefused(request, reply, vendor)) return reply;
    const principal = await signedIn(request, reply, vendor);
    if (!principal) return reply;
    const signer = { name: text(request.body, 'signerName').trim(), title: text(request.body, 'signerTitle').trim() };
    const version = Number(text(request.body, 'version'));
    if (tooLong(signer.title, 200)) return renderAccess(request, reply, vendor, principal, 400, { errors: { signerTitle: 'Your title is at most 200 characters.' }, signer });
    const { data } = await run<{ acceptNda: { errors: { code: string; field: string | null; message: string }[] } }>(request, principal,
      'mutation GuestAcceptNda($i: AcceptNdaInput!) { acceptNda(input: $i) { acceptance { id } errors { code field message } } }',
      { i: { trustCenterSlug: vendor.slug, version: Number.isInteger(version) ? version : 0, signerName: signer.name, signerTitle: signer.title || null } });
    const errors = data?.acceptNda.errors ?? [];
    if (errors.length === 0) return see(reply, vendor.slug, 'nda-accepted');
    return renderAccess(request, reply, vendor, principal, 400, { errors: { [errors[0]!.field === 'signerName' ? 'signerName' : 'signerTitle']: errors[0]!.message }, signer });
  });

  app.post<{ Params: { slug: string } }>('/trust/:slug/download', async (request, reply) => {
    const vendor = await vendorOr404(request.params.slug, reply);
    if (!vendor || csrfRefused(request, reply, vendor)) return reply;
    const principal = await signedIn(request, reply, vendor);
    if (!principal) return reply;
    const documentId = text(request.body, 'document');
    const { data, codes } = UUID.test(documentId)
      ? await run<{ requestDocumentDownload: { download: { url: string } | null; errors: { code: string; message: string }[] } }>(request, principal,
        'mutation GuestDownload($id: ID!) { requestDocumentDownload(documentId: $id) { download { url } errors { code message } } }', { id: documentId })
      : { data: null, codes: ['NOT_FOUND'] };
    const url = data?.requestDocumentDownload.download?.url;
    if (url) return reply.code(303).headers({ location: url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).send();
    if (data?.requestDocumentDownload.errors[0]?.code === 'NDA_REQUIRED') return see(reply, vendor.slug, 'nda-required');
    if (codes.includes('NOT_FOUND') || !data) return send(reply, 404, messagePage(frameOf(vendor.slug, vendor), 'Not found', 'This document is not available to you.', { href: `/trust/${vendor.slug}/access`, label: 'Back to your access' }));
    return renderAccess(request, reply, vendor, principal, 409, { errors: { documents: data.requestDocumentDownload.errors[0]!.message } });
  });

  app.post<{ Params: { slug: string } }>('/trust/:slug/sign-out', async (request, reply) => {
    const vendor = await vendorOr404(request.params.slug, reply);
    if (!vendor || csrfRefused(request, reply, vendor)) return reply;
    setCookie(reply, SESSION_COOKIE, '', 0);
    return see(reply, vendor.slug, 'signed-out');
  });
}
