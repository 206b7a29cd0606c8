import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Database } from '../../db/database';
import type { Logger } from '../../logger';
import { confirmPage, donePage, INVALID_TOKEN_MESSAGE, invalidPage, unsubscribe, verifyUnsubscribeToken } from './unsubscribe';

export const UNSUBSCRIBE_PATH = '/mail/unsubscribe';

/** The one-click body (RFC 8058, section 3.1), urlencoded or as a multipart field. */
const ONE_CLICK_FORM = /(?:^|&)List-Unsubscribe=One-Click(?:&|$)/;
const ONE_CLICK_MULTIPART = /name="?List-Unsubscribe"?\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/;

// Pages only: no script, no framing, the token never leaves in a Referer, nothing cached.
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

const html = (reply: FastifyReply, status: number, body: string): FastifyReply => reply.code(status).headers(HTML_HEADERS).send(body);

function tokenOf(query: unknown): string {
  const token = (query as Record<string, unknown> | null)?.token;
  return typeof token === 'string' ? token : '';
}

/**
 * GET and POST /mail/unsubscribe?token=... (RFC 8058 one-click unsubscribe for alert and digest mail):
 * - GET shows what the link would stop and a button (a form POST to the same address); it changes nothing, so a mail
 *   scanner opening links unsubscribes nobody;
 * - POST with the body `List-Unsubscribe=One-Click` (what mail apps send, and what the button sends) switches the
 *   token's categories OFF and answers 200;
 * - a malformed or forged token is 400 with a page saying so; a POST without the one-click body is 400 too.
 * The rules live in unsubscribe.ts (tested without HTTP); this is only the HTTP face.
 */
export async function unsubscribeRoutes(app: FastifyInstance, options: { db: Database; tokenSecret: string; logger: Logger }): Promise<void> {
  // Forms arrive urlencoded or multipart (RFC 8058 allows both); a few bytes are enough, kept as text.
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => done(null, body));

  app.get(UNSUBSCRIBE_PATH, async (request, reply) => {
    const token = tokenOf(request.query);
    const claim = verifyUnsubscribeToken(options.tokenSecret, token);
    if (!claim) return html(reply, 400, invalidPage(INVALID_TOKEN_MESSAGE));
    return html(reply, 200, confirmPage(claim));
  });

  app.post(UNSUBSCRIBE_PATH, async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    if (!ONE_CLICK_FORM.test(body) && !ONE_CLICK_MULTIPART.test(body)) {
      return html(reply, 400, invalidPage('This address unsubscribes with a POST whose body is List-Unsubscribe=One-Click (RFC 8058). Open the link from the mail and press the button.'));
    }
    const outcome = await unsubscribe(options.db, options.tokenSecret, tokenOf(request.query));
    if (!outcome.ok) return html(reply, 400, invalidPage(outcome.message));
    options.logger.info('mail unsubscribe', { categories: outcome.categories.join(','), member: outcome.member });
    return html(reply, 200, donePage(outcome));
  });
}
