import { escapeHtml } from '../../views/html';

/**
 * Every mail the product sends, as text and HTML. Pure functions: the caller passes what the mail says and the
 * settings it needs (where links point). Every interpolated string is HTML-escaped in the HTML part (organization
 * names, reasons and signer names are typed by other people) by the hosted page's own escaper (src/views/html.ts);
 * the subject and the text part carry them verbatim apart from line breaks, which never reach a header.
 */

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A paragraph of text, or a table of label/value pairs. */
export type Block = string | readonly (readonly [string, string])[];

export interface MailLayout {
  /** One line, shown as the subject and the heading. */
  title: string;
  blocks: readonly Block[];
  /** The one thing to do next, if any: a button in HTML, a line with the URL in text. */
  action?: { label: string; url: string } | null;
  /** Why the recipient gets this mail (shown small at the end). */
  footer: string;
}

/** One line for a header: control characters (CR/LF included) become spaces, at most 200 characters. */
export function oneLine(value: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A link under the public base URL; every path segment and query value is encoded by the caller's parts. */
export function link(baseUrl: string, path: readonly string[], query: Record<string, string> = {}): string {
  const url = new URL(`${baseUrl}/${path.map((p) => encodeURIComponent(p)).join('/')}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

/** Lays a mail out as text and HTML from the same blocks. */
export function render(layout: MailLayout): RenderedMail {
  const subject = oneLine(layout.title, 180);
  const text: string[] = [subject, ''];
  const html: string[] = [
    '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;max-width:600px;margin:0 auto;padding:16px">',
    `<h1 style="font-size:20px">${escapeHtml(subject)}</h1>`,
  ];
  for (const block of layout.blocks) {
    if (typeof block === 'string') {
      text.push(block, '');
      html.push(`<p>${escapeHtml(block).replace(/\n/g, '<br>')}</p>`);
    } else {
      for (const [label, value] of block) text.push(`${label}: ${value}`);
      text.push('');
      html.push('<table style="border-collapse:collapse">');
      for (const [label, value] of block) {
        html.push(`<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">${escapeHtml(label)}</th><td style="padding:2px 0">${escapeHtml(value).replace(/\n/g, '<br>')}</td></tr>`);
      }
      html.push('</table>');
    }
  }
  if (layout.action) {
    text.push(`${layout.action.label}: ${layout.action.url}`, '');
    html.push(`<p><a href="${escapeHtml(layout.action.url)}" style="display:inline-block;background:#0b57d0;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escapeHtml(layout.action.label)}</a></p>`);
    html.push(`<p style="font-size:12px;color:#57606a">Or open this address: ${escapeHtml(layout.action.url)}</p>`);
  }
  text.push('--', layout.footer, '');
  html.push(`<hr style="border:none;border-top:1px solid #d0d7de"><p style="font-size:12px;color:#57606a">${escapeHtml(layout.footer)}</p></body></html>`);
  return { subject, text: text.join('\n'), html: html.join('\n') };
}
