/** The Content-Security-Policy of a hosted page whose forms post only to us (the form-action source list varies). */
const pageCsp = (formAction: string): string =>
  `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${formAction}; base-uri 'none'; frame-ancestors 'none'`;

/** No script at all, styles from our own file, forms to ourselves only, never framed. */
export const PAGE_CSP = pageCsp("'self'");

/**
 * The security headers of every server-rendered page (the hosted trust center and the guest pages).
 * - `storageOrigin`: also allowed in form-action, for pages whose form answers 303 to a presigned storage URL
 *   (browsers apply form-action to the redirect too, so the download would be blocked otherwise);
 * - `referrer`: `no-referrer` where the URL carries a secret (the guest link's token), else `same-origin`.
 */
export function pageHeaders(options: { storageOrigin?: string | null; referrer: 'same-origin' | 'no-referrer' }): Record<string, string> {
  return {
    'content-security-policy': options.storageOrigin ? pageCsp(`'self' ${options.storageOrigin}`) : PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': options.referrer,
    'cross-origin-opener-policy': 'same-origin',
  };
}
