/**
 * Per-recipient visible watermarks for restricted documents (SOC 2 reports shared under NDA).
 *
 * The stamp is a deterrent and a provenance record, not DRM: it is drawn on top of the existing page content (so a
 * full-page scanned image cannot hide it) and the recipient is also written to the document metadata.
 */
import { degrees, EncryptedPDFError, grayscale, PDFDocument, type PDFFont, type PDFPage, StandardFonts } from 'pdf-lib';

export interface WatermarkRecipient {
  email: string;
  organization: string;
  /** YYYY-MM-DD, the day the copy was issued. */
  date: string;
}

export type WatermarkErrorCode = 'NOT_A_PDF' | 'ENCRYPTED_PDF' | 'TOO_MANY_PAGES';

export class WatermarkError extends Error {
  override readonly name = 'WatermarkError';

  constructor(
    readonly code: WatermarkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface WatermarkOptions {
  /** Refuse documents with more pages than this (default 2000); stamping cost is linear in pages. */
  maxPages?: number;
}

export const DEFAULT_MAX_PAGES = 2000;
export const BANNER_TEXT = 'CONFIDENTIAL - UNDER NDA';

// Recipient fields are user-controlled; a cap keeps a hostile org name from filling the page with footer lines.
const MAX_FIELD_LENGTH = 256;
// Viewers accept the header anywhere in the first 1 KiB (some generators prepend junk); pdf-lib would scan the whole file.
const HEADER_WINDOW = 1024;
const PDF_HEADER = '%PDF-';

const BANNER_OPACITY = 0.18;
const BANNER_COLOR = grayscale(0.5);
// The banner's bounding square covers this share of the shorter displayed side, leaving room at the corners.
const BANNER_FILL = 0.8;
const FOOTER_COLOR = grayscale(0.35);

/** Collapses whitespace/controls and marks invisible format characters (bidi overrides, zero-width) as '?'. */
function cleanField(value: string): string {
  const text = String(value ?? '')
    .normalize('NFC')
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .replace(/\p{Cf}/gu, '?')
    .trim();
  const chars = Array.from(text);
  return chars.length > MAX_FIELD_LENGTH ? `${chars.slice(0, MAX_FIELD_LENGTH).join('')}...` : text;
}

/** The footer line, e.g. "Confidential - under NDA · buyer@globex.test · Globex Corporation · 2026-11-26". */
export function watermarkText(recipient: WatermarkRecipient): string {
  return ['Confidential - under NDA', recipient.email, recipient.organization, recipient.date].map(cleanField).join(' · ');
}

const charSets = new WeakMap<PDFFont, Set<number>>();

/** Replaces every character the font cannot encode with '?': pdf-lib throws on them (WinAnsi has no emoji or CJK). */
export function sanitizeForFont(font: PDFFont, text: string): string {
  let supported = charSets.get(font);
  if (!supported) {
    supported = new Set(font.getCharacterSet());
    charSets.set(font, supported);
  }
  let out = '';
  // for..of walks code points, so an emoji (a surrogate pair) becomes one '?', not two.
  for (const ch of text.normalize('NFC')) out += supported.has(ch.codePointAt(0) ?? -1) ? ch : '?';
  return out;
}

/** Greedy word wrap; words wider than a line (a long email) are split by character instead of overflowing. */
export function wrapText(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const fits = (s: string): boolean => font.widthOfTextAtSize(s, size) <= maxWidth;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((w) => w.length > 0)) {
    const candidate = line ? `${line} ${word}` : word;
    if (fits(candidate)) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    for (const ch of word) {
      if (line && !fits(line + ch)) {
        lines.push(line);
        line = '';
      }
      line += ch;
    }
  }
  if (line) lines.push(line);
  return lines;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

type Rotation = 0 | 90 | 180 | 270;

/** Lower-left origin and positive size; PDF allows boxes given by any two opposite corners. */
function normalizeRect(r: Rect): Rect {
  return {
    x: Math.min(r.x, r.x + r.width),
    y: Math.min(r.y, r.y + r.height),
    width: Math.abs(r.width),
    height: Math.abs(r.height),
  };
}

/** What a viewer shows: the CropBox clipped to the MediaBox (an out-of-range CropBox falls back to the MediaBox). */
function visibleBox(page: PDFPage): Rect {
  const media = normalizeRect(page.getMediaBox());
  const crop = normalizeRect(page.getCropBox());
  const x = Math.max(media.x, crop.x);
  const y = Math.max(media.y, crop.y);
  const width = Math.min(media.x + media.width, crop.x + crop.width) - x;
  const height = Math.min(media.y + media.height, crop.y + crop.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : media;
}

/** /Rotate must be a multiple of 90 but may be negative or above 360. */
function pageRotation(page: PDFPage): Rotation {
  const angle = page.getRotation().angle;
  if (!Number.isFinite(angle)) return 0;
  return ((((Math.round(angle / 90) * 90) % 360) + 360) % 360) as Rotation;
}

/**
 * Maps a point on the page as displayed (origin bottom-left, after the viewer applies /Rotate clockwise) to user
 * space, so layout can be written once for portrait, landscape, rotated and offset pages.
 */
function displayToUser(box: Rect, rotation: Rotation, dx: number, dy: number): { x: number; y: number } {
  const x1 = box.x + box.width;
  const y1 = box.y + box.height;
  switch (rotation) {
    case 0:
      return { x: box.x + dx, y: box.y + dy };
    case 90:
      return { x: x1 - dy, y: box.y + dx };
    case 180:
      return { x: x1 - dx, y: y1 - dy };
    case 270:
      return { x: box.x + dy, y: y1 - dx };
  }
}

interface Fonts {
  banner: PDFFont;
  footer: PDFFont;
}

/** Draws `text` with its baseline starting at display point (dx, dy), at `angle` degrees as displayed. */
function drawDisplayText(
  page: PDFPage,
  box: Rect,
  rotation: Rotation,
  text: string,
  at: { dx: number; dy: number; angle: number },
  style: { font: PDFFont; size: number; color: ReturnType<typeof grayscale>; opacity: number },
): void {
  const { x, y } = displayToUser(box, rotation, at.dx, at.dy);
  // Text angles are counter-clockwise in user space while /Rotate turns the page clockwise, hence the sum.
  page.drawText(text, { x, y, rotate: degrees(at.angle + rotation), ...style });
}

function stampPage(page: PDFPage, fonts: Fonts, footerText: string): void {
  const box = visibleBox(page);
  const rotation = pageRotation(page);
  const sideways = rotation === 90 || rotation === 270;
  const width = sideways ? box.height : box.width;
  const height = sideways ? box.width : box.height;
  const shorter = Math.min(width, height);

  // Banner: 45 degrees through the centre, sized so its rotated bounding square fits the shorter side.
  const unitWidth = fonts.banner.widthOfTextAtSize(BANNER_TEXT, 1);
  const unitHeight = fonts.banner.heightAtSize(1, { descender: false });
  const bannerSize = (BANNER_FILL * shorter) / ((unitWidth + unitHeight) * Math.SQRT1_2);
  const textWidth = unitWidth * bannerSize;
  const textHeight = unitHeight * bannerSize;
  // Start half the text length back along the 45 degree direction, and half the cap height down across it.
  const along = textWidth / 2;
  const across = textHeight / 2;
  drawDisplayText(
    page,
    box,
    rotation,
    BANNER_TEXT,
    { dx: width / 2 - (along - across) * Math.SQRT1_2, dy: height / 2 - (along + across) * Math.SQRT1_2, angle: 45 },
    { font: fonts.banner, size: bannerSize, color: BANNER_COLOR, opacity: BANNER_OPACITY },
  );

  // Footer: small, inside the bottom margin; shrinks to fit, then wraps upward rather than losing part of the text.
  const margin = Math.min(36, Math.max(6, shorter * 0.05));
  const available = Math.max(1, width - 2 * margin);
  const baseSize = Math.min(8, Math.max(4, shorter / 85));
  const fitSize = available / Math.max(fonts.footer.widthOfTextAtSize(footerText, 1), 1e-6);
  const size = Math.min(baseSize, Math.max(baseSize * 0.7, fitSize));
  const lines = wrapText(footerText, fonts.footer, size, available);
  const leading = size * 1.2;
  lines.forEach((line, i) => {
    drawDisplayText(
      page,
      box,
      rotation,
      line,
      { dx: margin, dy: margin + (lines.length - 1 - i) * leading, angle: 0 },
      { font: fonts.footer, size, color: FOOTER_COLOR, opacity: 1 },
    );
  });
}

function hasPdfHeader(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, HEADER_WINDOW)).toString('latin1');
  return head.includes(PDF_HEADER);
}

/**
 * pdf-lib is compiled to ES5, so its Error subclasses lose their prototype and `instanceof EncryptedPDFError` is always
 * false; compare with the library's own message as well.
 */
function isEncryptedPdfError(err: unknown): boolean {
  return err instanceof EncryptedPDFError || (err instanceof Error && err.message === new EncryptedPDFError().message);
}

async function loadPdf(original: Uint8Array): Promise<PDFDocument> {
  if (!(original instanceof Uint8Array) || !hasPdfHeader(original)) {
    throw new WatermarkError('NOT_A_PDF', 'input is not a PDF (no %PDF- header)');
  }
  let doc: PDFDocument;
  try {
    // updateMetadata: false keeps the original Title, Author, Producer and dates.
    doc = await PDFDocument.load(original, { updateMetadata: false });
  } catch (err) {
    if (isEncryptedPdfError(err)) throw new WatermarkError('ENCRYPTED_PDF', 'PDF is encrypted', { cause: err });
    throw new WatermarkError('NOT_A_PDF', 'input could not be parsed as a PDF', { cause: err });
  }
  // pdf-lib only reports encryption when /Encrypt resolves; a dangling reference still means the content is encrypted.
  if (doc.context.trailerInfo.Encrypt !== undefined) throw new WatermarkError('ENCRYPTED_PDF', 'PDF is encrypted');
  return doc;
}

/** Stamps every page; returns the new PDF bytes (a full rewrite, not an incremental update a viewer could roll back). */
export async function watermarkPdf(
  original: Uint8Array,
  recipient: WatermarkRecipient,
  options: WatermarkOptions = {},
): Promise<Uint8Array> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  if (!Number.isInteger(maxPages) || maxPages < 1) throw new RangeError(`maxPages must be a positive integer, got ${maxPages}`);

  const doc = await loadPdf(original);
  let pages: PDFPage[];
  try {
    pages = doc.getPages();
  } catch (err) {
    throw new WatermarkError('NOT_A_PDF', 'PDF page tree is unreadable', { cause: err });
  }
  // Fail closed: a file whose pages pdf-lib cannot find would otherwise be returned unstamped.
  if (pages.length === 0) throw new WatermarkError('NOT_A_PDF', 'PDF has no pages');
  if (pages.length > maxPages) {
    throw new WatermarkError('TOO_MANY_PAGES', `PDF has ${pages.length} pages, more than the limit of ${maxPages}`);
  }

  const text = watermarkText(recipient);
  try {
    const fonts: Fonts = {
      banner: await doc.embedFont(StandardFonts.HelveticaBold),
      footer: await doc.embedFont(StandardFonts.Helvetica),
    };
    const footerText = sanitizeForFont(fonts.footer, text);
    pages.forEach((page) => stampPage(page, fonts, footerText));
  } catch (err) {
    // Pages that parse but cannot be drawn on (e.g. a non-dictionary /Resources) are malformed input, not our bug.
    throw new WatermarkError('NOT_A_PDF', 'PDF structure could not be stamped', { cause: err });
  }

  // Info strings are UTF-16, so metadata keeps the exact (cleaned) recipient even where the footer shows '?'.
  doc.setSubject(text);
  doc.setKeywords([
    `recipient=${cleanField(recipient.email)};`,
    `organization=${cleanField(recipient.organization)};`,
    `date=${cleanField(recipient.date)};`,
    'confidential; nda',
  ]);
  // No default page for an empty document, and no rewriting of the original's form field appearances.
  return doc.save({ addDefaultPage: false, updateFieldAppearances: false });
}
