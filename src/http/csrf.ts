import type { IncomingHttpHeaders } from 'node:http';

const SIMPLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * Apollo's CSRF rule (csrfPrevention): a request a browser could send cross-site without a preflight is not run.
 * Apollo applies it to every operation; the public cache applies it to hits too, which never reach Apollo.
 */
export function preflighted(headers: IncomingHttpHeaders): boolean {
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return (type !== '' && !SIMPLE_TYPES.has(type)) || Boolean(headers['x-apollo-operation-name']) || Boolean(headers['apollo-require-preflight']);
}
