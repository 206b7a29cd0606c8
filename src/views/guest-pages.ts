import { html, type SafeHtml } from './html';
import { momentInWords } from './words';

/**
 * The guest access pages of the hosted trust center (issue 15): request form, "check your inbox", the confirm step of
 * a mailed link, the buyer's access page (status, NDA, downloads) and plain message pages. Server-rendered with the
 * escaping `html` template: every vendor- or visitor-typed string is text. No script; the stylesheet is the page's own.
 * Every form posts to this server with a CSRF field; errors sit next to their fields (aria-describedby) and are
 * summarised first.
 */

export interface PageFrame {
  stylesheet: string;
  slug: string;
  /** The vendor's name; null on pages that know no vendor (a bad slug). */
  vendorName: string | null;
}

export type FieldErrors = Partial<Record<string, string>>;

function layout(frame: PageFrame, title: string, body: SafeHtml): string {
  const heading = frame.vendorName ? `${title} | ${frame.vendorName}` : title;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${heading}</title>
<link rel="stylesheet" href="${frame.stylesheet}">
</head>
<body>
<header>
<p>${frame.vendorName ? html`<a href="/trust/${frame.slug}">${frame.vendorName} trust center</a>` : 'trust-portal'}</p>
<h1>${title}</h1>
</header>
<main>
${body}
</main>
<footer><p>Hosted by trust-portal.</p></footer>
</body>
</html>`.value;
}

const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;

function errorSummary(errors: FieldErrors): SafeHtml {
  const entries = Object.entries(errors).filter((e): e is [string, string] => Boolean(e[1]));
  if (entries.length === 0) return html``;
  return html`<div class="notice" role="alert"><p><strong>Please correct ${entries.length === 1 ? 'this' : 'these'}:</strong></p><ul>${entries.map(([field, message]) => html`<li><a href="#${field}">${message}</a></li>`)}</ul></div>`;
}

/** A labelled input with its error next to it. */
function field(f: { id: string; label: string; value: string; errors: FieldErrors; type?: string; autocomplete?: string; maxLength: number; required?: boolean; hint?: string }): SafeHtml {
  const error = f.errors[f.id];
  const described = [f.hint ? `${f.id}-hint` : null, error ? `${f.id}-error` : null].filter(Boolean).join(' ');
  return html`<div>
<label for="${f.id}">${f.label}</label>
${f.hint ? html`<p class="details" id="${f.id}-hint">${f.hint}</p>` : ''}
${error ? html`<p class="error" id="${f.id}-error">${error}</p>` : ''}
<input id="${f.id}" name="${f.id}" type="${f.type ?? 'text'}" value="${f.value}" maxlength="${f.maxLength}"${f.autocomplete ? html` autocomplete="${f.autocomplete}"` : ''}${f.required === false ? '' : html` required`}${error ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>
</div>`;
}

export interface RequestFormValues {
  email: string;
  name: string;
  company: string;
  reason: string;
  documentIds: string[];
}

export function requestFormPage(frame: PageFrame, p: { csrf: string; documents: { id: string; title: string }[]; values: RequestFormValues; errors: FieldErrors }): string {
  const { values, errors } = p;
  const docError = errors.documents;
  return layout(frame, 'Request access', html`
${errorSummary(errors)}
<p>Ask ${frame.vendorName} for its restricted documents. We mail you a link to confirm your address (valid 15 minutes); the request is filed only when you open it.</p>
<form class="stack" method="post" action="/trust/${frame.slug}/request-access" novalidate>
${csrfField(p.csrf)}
${field({ id: 'email', label: 'Work email', type: 'email', autocomplete: 'email', value: values.email, errors, maxLength: 254 })}
${field({ id: 'name', label: 'Your name', autocomplete: 'name', value: values.name, errors, maxLength: 200 })}
${field({ id: 'company', label: 'Company', autocomplete: 'organization', value: values.company, errors, maxLength: 200 })}
<div>
<label for="reason">Why you need the documents (optional)</label>
${errors.reason ? html`<p class="error" id="reason-error">${errors.reason}</p>` : ''}
<textarea id="reason" name="reason" rows="4" maxlength="2000"${errors.reason ? html` aria-invalid="true" aria-describedby="reason-error"` : ''}>${values.reason}</textarea>
</div>
<fieldset id="documents"${docError ? html` aria-describedby="documents-error"` : ''}>
<legend>Documents</legend>
${docError ? html`<p class="error" id="documents-error">${docError}</p>` : ''}
<p class="details">Leave all unticked to ask for every restricted document.</p>
${p.documents.map((d) => html`<div class="check"><input type="checkbox" id="doc-${d.id}" name="documents" value="${d.id}"${values.documentIds.includes(d.id) ? html` checked` : ''}> <label for="doc-${d.id}">${d.title}</label></div>`)}
</fieldset>
<div><button type="submit">Email me the confirmation link</button></div>
</form>
<p>Already asked? <a href="/trust/${frame.slug}/access">See your request</a>.</p>`);
}

export function checkInboxPage(frame: PageFrame, p: { email: string; expiresAt: Date }): string {
  return layout(frame, 'Check your inbox', html`
<p>We sent a link to <strong>${p.email}</strong>. Open it before ${momentInWords(p.expiresAt)} and confirm; it works once.</p>
<p>Nothing arrived? Check your spam folder, or <a href="/trust/${frame.slug}/request-access">start again</a>.</p>`);
}

export function confirmPage(frame: PageFrame, p: { csrf: string; token: string }): string {
  return layout(frame, 'Confirm your email address', html`
<p>Press the button to confirm your address and continue. (The link alone changes nothing, so mail scanners opening it cannot use it up.)</p>
<form method="post" action="/trust/${frame.slug}/verify">
${csrfField(p.csrf)}
<input type="hidden" name="token" value="${p.token}">
<button type="submit">Confirm and continue</button>
</form>`);
}

export function messagePage(frame: PageFrame, title: string, message: string, next: { href: string; label: string } | null = null): string {
  return layout(frame, title, html`<p>${message}</p>${next ? html`<p><a href="${next.href}">${next.label}</a></p>` : ''}`);
}

export function signInPage(frame: PageFrame, p: { csrf: string; email: string; errors: FieldErrors; notice: string | null }): string {
  return layout(frame, 'Your access', html`
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
${errorSummary(p.errors)}
<p>Sign in with the address you asked for access with: we mail you a link (valid 15 minutes).</p>
<form class="stack" method="post" action="/trust/${frame.slug}/sign-in" novalidate>
${csrfField(p.csrf)}
${field({ id: 'email', label: 'Email', type: 'email', autocomplete: 'email', value: p.email, errors: p.errors, maxLength: 254 })}
<div><button type="submit">Email me a sign-in link</button></div>
</form>
<p>No request yet? <a href="/trust/${frame.slug}/request-access">Request access</a>.</p>`);
}

export interface AccessView {
  email: string;
  organizationName: string | null;
  request: { state: string; createdAt: string; grantExpiresAt: string | null; decisionReason: string | null } | null;
  nda: { title: string; version: number; body: string } | null;
  documents: { id: string; title: string }[];
}

export function accessPage(frame: PageFrame, p: { csrf: string; view: AccessView; notice: string | null; errors: FieldErrors; signer: { name: string; title: string } }): string {
  const { view } = p;
  const r = view.request;
  const approved = r?.state === 'APPROVED';
  let status: SafeHtml;
  if (!r) status = html`<p>You have no request with ${frame.vendorName}. <a href="/trust/${frame.slug}/request-access">Request access</a>.</p>`;
  else if (r.state === 'REQUESTED') status = html`<p><span class="tag">Pending</span> Your request of ${momentInWords(new Date(r.createdAt))} waits for ${frame.vendorName}'s decision. We mail you when it is made.</p>`;
  else if (approved) status = html`<p><span class="tag">Approved</span> Access until ${r.grantExpiresAt ? momentInWords(new Date(r.grantExpiresAt)) : 'further notice'}.</p>`;
  else if (r.state === 'DENIED') status = html`<p><span class="tag">Denied</span> ${frame.vendorName} declined your request.</p><p>Reason: ${r.decisionReason ?? 'none given'}</p>`;
  else status = html`<p><span class="tag">${r.state.toLowerCase()}</span> Your access has ended. <a href="/trust/${frame.slug}/request-access">Request it again</a>.</p>`;

  const nda = approved && view.nda ? html`
<section aria-labelledby="nda-heading">
<h2 id="nda-heading">Non-disclosure agreement: ${view.nda.title} (version ${view.nda.version})</h2>
<p>${frame.vendorName} asks you to accept this NDA before downloading.</p>
<div class="prose nda-text">${view.nda.body}</div>
<form class="stack" method="post" action="/trust/${frame.slug}/nda" novalidate>
${csrfField(p.csrf)}
<input type="hidden" name="version" value="${view.nda.version}">
${field({ id: 'signerName', label: 'Your name (signature)', autocomplete: 'name', value: p.signer.name, errors: p.errors, maxLength: 200 })}
${field({ id: 'signerTitle', label: 'Your title (optional)', autocomplete: 'organization-title', value: p.signer.title, errors: p.errors, maxLength: 200, required: false })}
<div><button type="submit">I accept the NDA</button></div>
</form>
</section>` : '';

  const downloads = approved && view.documents.length > 0 ? html`
<section aria-labelledby="docs-heading">
<h2 id="docs-heading">Your documents</h2>
<p class="details">Each copy is watermarked with your email address, your company and the date of download.</p>
<ul class="cards">${view.documents.map((d) => html`<li><p>${d.title}</p><form method="post" action="/trust/${frame.slug}/download">${csrfField(p.csrf)}<input type="hidden" name="document" value="${d.id}"><button type="submit" aria-label="Download ${d.title}">Download</button></form></li>`)}</ul>
</section>` : '';

  return layout(frame, 'Your access', html`
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
${errorSummary(p.errors)}
<p>Signed in as <strong>${view.email}</strong>${view.organizationName ? html` (${view.organizationName})` : ''}.</p>
${status}
${nda}
${downloads}
<form method="post" action="/trust/${frame.slug}/sign-out">${csrfField(p.csrf)}<button type="submit">Sign out</button></form>`);
}
