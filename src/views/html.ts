/**
 * HTML built by a tagged template that escapes every interpolated value unless it is already `SafeHtml` (the output
 * of another `html` template or of `raw` on a constant). Vendor-controlled strings can only reach a page through an
 * interpolation, so they are always text, never markup: `<script>`, `"><img onerror=...>` and friends render as
 * characters.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/**
 * Text for an HTML text node or a quoted attribute value. Bidirectional overrides, embeddings and isolates
 * (U+202A-U+202E, U+2066-U+2069) become U+FFFD: a vendor name cannot reorder the text around it on the page.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!).replace(/[\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

type Interpolation = SafeHtml | string | number | null | undefined | false | readonly Interpolation[];

function piece(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(piece).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += piece(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Markup written in our own code (never pass anything a user typed). */
export const raw = (trusted: string): SafeHtml => new SafeHtml(trusted);

/**
 * A link target for an href: only absolute http(s) URLs survive (a `javascript:` or `data:` URL stored before the
 * link checks existed becomes no link at all). Returns null when the value must not be linked.
 */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : null;
  } catch {
    return null;
  }
}
