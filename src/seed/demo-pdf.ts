/**
 * Small but real PDFs for the demo seed (SOC 2 report, policies, pen-test summary), so downloads and watermarking
 * exercise genuine documents. Output is byte-for-byte deterministic for the same input: dates are fixed and pdf-lib
 * derives resource names from a seeded generator, so seeded checksums are stable across runs.
 */
import { grayscale, PageSizes, PDFDocument, type PDFFont, type PDFPage, StandardFonts } from 'pdf-lib';
import { sanitizeForFont, wrapText } from '../modules/documents/watermark';

export const DEMO_FOOTER = 'Demo document - not a real report';
// Fixed so the same input always yields the same bytes (pdf-lib would otherwise stamp "now").
export const DEMO_PDF_DATE = new Date('2026-01-01T00:00:00Z');

const [PAGE_WIDTH, PAGE_HEIGHT] = PageSizes.A4;
const MARGIN = 56;
const TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const TITLE_SIZE = 18;
const TITLE_LEADING = 23;
const BODY_SIZE = 11;
const BODY_LEADING = 15;
const PARAGRAPH_GAP = 8;
const FOOTER_SIZE = 8;
// Body text stops above the footer band.
const BOTTOM_LIMIT = MARGIN + 2 * FOOTER_SIZE + 4;

/** Lays out lines top-down, starting a new page whenever the next line would run into the footer. */
class Flow {
  readonly pages: PDFPage[] = [];
  private y = 0;

  constructor(private readonly doc: PDFDocument) {
    this.newPage();
  }

  line(text: string, font: PDFFont, size: number, leading: number): void {
    if (this.y - leading < BOTTOM_LIMIT) this.newPage();
    if (text) this.current().drawText(text, { x: MARGIN, y: this.y - size, font, size, color: grayscale(0.1) });
    this.y -= leading;
  }

  gap(points: number): void {
    this.y -= points;
  }

  private current(): PDFPage {
    const page = this.pages[this.pages.length - 1];
    if (!page) throw new Error('demo-pdf: no page');
    return page;
  }

  private newPage(): void {
    this.pages.push(this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]));
    this.y = PAGE_HEIGHT - MARGIN;
  }
}

/** An A4 PDF: bold title at the top, wrapped paragraphs ('\n' forces a line break), page breaks and a footer. */
export async function demoPdf(title: string, paragraphs: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);

  doc.setTitle(title);
  doc.setSubject(DEMO_FOOTER);
  doc.setAuthor('trust-portal demo seed');
  doc.setCreator('trust-portal demo seed');
  doc.setProducer('pdf-lib');
  doc.setCreationDate(DEMO_PDF_DATE);
  doc.setModificationDate(DEMO_PDF_DATE);

  const flow = new Flow(doc);
  // Seed text is ours, but sanitizing means a stray emoji in a fixture cannot break seeding.
  const clean = (font: PDFFont, text: string): string => sanitizeForFont(font, text.replace(/[\t ]+/g, ' '));
  for (const line of wrapText(clean(bold, title), bold, TITLE_SIZE, TEXT_WIDTH)) flow.line(line, bold, TITLE_SIZE, TITLE_LEADING);
  flow.gap(PARAGRAPH_GAP * 2);

  for (const paragraph of paragraphs) {
    for (const hardLine of paragraph.split(/\r?\n/)) {
      const lines = wrapText(clean(regular, hardLine), regular, BODY_SIZE, TEXT_WIDTH);
      // An empty hard line still takes vertical space, as a blank line would.
      for (const line of lines.length > 0 ? lines : ['']) flow.line(line, regular, BODY_SIZE, BODY_LEADING);
    }
    flow.gap(PARAGRAPH_GAP);
  }

  // Footers last, once the page count is known; placed above the band a recipient watermark stamps at the very bottom.
  const footerY = MARGIN - FOOTER_SIZE;
  flow.pages.forEach((page, i) => {
    const style = { font: regular, size: FOOTER_SIZE, color: grayscale(0.45) };
    page.drawText(DEMO_FOOTER, { x: MARGIN, y: footerY, ...style });
    const number = `Page ${i + 1} of ${flow.pages.length}`;
    page.drawText(number, { x: PAGE_WIDTH - MARGIN - regular.widthOfTextAtSize(number, FOOTER_SIZE), y: footerY, ...style });
  });

  return doc.save({ addDefaultPage: false });
}
