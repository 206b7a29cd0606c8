import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import {
  degrees,
  EncryptedPDFError,
  PDFArray,
  PDFDict,
  PDFDocument,
  type PDFFont,
  PDFName,
  type PDFPage,
  PDFRawStream,
  StandardFonts,
} from 'pdf-lib';
import {
  BANNER_TEXT,
  watermarkPdf,
  WatermarkError,
  type WatermarkErrorCode,
  type WatermarkRecipient,
  watermarkText,
} from '../../src/modules/documents/watermark';
import { DEMO_FOOTER, demoPdf } from '../../src/seed/demo-pdf';

const recipient: WatermarkRecipient = { email: 'buyer@globex.test', organization: 'Globex Corporation', date: '2026-11-26' };
const expectedFooter = 'Confidential - under NDA · buyer@globex.test · Globex Corporation · 2026-11-26';

interface PageSpec {
  size?: [number, number];
  rotate?: number;
  mediaBox?: [number, number, number, number];
  cropBox?: [number, number, number, number];
}

/** A PDF with one page per spec, each carrying some ordinary text like a real document. */
async function makePdf(specs: PageSpec[], title = 'Original title', useObjectStreams = true): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  for (const spec of specs) {
    const page = doc.addPage(spec.size ?? [612, 792]);
    if (spec.mediaBox) page.setMediaBox(...spec.mediaBox);
    if (spec.cropBox) page.setCropBox(...spec.cropBox);
    if (spec.rotate !== undefined) page.setRotation(degrees(spec.rotate));
    const box = page.getMediaBox();
    page.drawText('Original body text', { x: box.x + 50, y: box.y + box.height / 2, font, size: 12 });
  }
  return doc.save({ useObjectStreams });
}

/** Decoded content streams of a page (pdf-lib writes them Flate-compressed). */
function contentStreams(doc: PDFDocument, page: PDFPage): string[] {
  const contents = page.node.Contents();
  const entries = contents instanceof PDFArray ? contents.asArray() : contents ? [contents] : [];
  return entries.map((entry) => {
    const stream = doc.context.lookup(entry);
    if (!(stream instanceof PDFRawStream)) throw new Error('expected a raw content stream');
    const filter = stream.dict.lookup(PDFName.of('Filter'));
    const flate = filter === PDFName.of('FlateDecode') || (filter instanceof PDFArray && filter.lookup(0) === PDFName.of('FlateDecode'));
    const raw = Buffer.from(stream.getContents());
    return (flate ? inflateSync(raw) : raw).toString('latin1');
  });
}

interface TextRun {
  baseFont: string;
  size: number;
  /** Text matrix [a b c d e f]: (a,b) is the baseline direction, (e,f) the origin. */
  matrix: number[];
  text: string;
}

/** Text shown on a page, with the font and text matrix in effect; enough for pdf-lib's own drawText output. */
function textRuns(doc: PDFDocument, page: PDFPage): TextRun[] {
  const fonts = page.node.Resources()?.lookup(PDFName.of('Font'), PDFDict);
  const baseFontOf = (key: string): string => String(fonts?.lookup(PDFName.of(key), PDFDict).lookup(PDFName.of('BaseFont'))).slice(1);
  const op = /\/([^\s/]+)\s+(-?[\d.]+)\s+Tf|((?:-?[\d.]+\s+){6})Tm|<([0-9A-Fa-f]*)>\s*Tj/g;
  const runs: TextRun[] = [];
  for (const content of contentStreams(doc, page)) {
    let baseFont = '';
    let size = 0;
    let matrix = [1, 0, 0, 1, 0, 0];
    for (const m of content.matchAll(op)) {
      if (m[1] !== undefined) {
        baseFont = baseFontOf(m[1]);
        size = Number(m[2]);
      } else if (m[3] !== undefined) {
        matrix = m[3].trim().split(/\s+/).map(Number);
      } else {
        runs.push({ baseFont, size, matrix, text: Buffer.from(m[4] ?? '', 'hex').toString('latin1') });
      }
    }
  }
  return runs;
}

async function load(bytes: Uint8Array): Promise<PDFDocument> {
  return PDFDocument.load(bytes, { updateMetadata: false });
}

async function expectWatermarkError(promise: Promise<unknown>, code: WatermarkErrorCode): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WatermarkError);
  expect((err as WatermarkError).code).toBe(code);
}

/** Appends an incremental update whose trailer names an /Encrypt dictionary (dangling: the reference resolves to nothing). */
async function encryptedPdf(dangling = false): Promise<Uint8Array> {
  // A classic xref table and trailer, so the update below can be written by hand.
  const classic = Buffer.from(await makePdf([{}], 'Secret report', false)).toString('latin1');
  const prevXref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(classic)?.[1]);
  const size = Number(/\/Size (\d+)/.exec(classic)?.[1]);
  const root = /\/Root (\d+ \d+ R)/.exec(classic)?.[1];
  expect(Number.isInteger(prevXref) && Number.isInteger(size) && root).toBeTruthy();

  const encryptNum = size;
  const zeros = '00'.repeat(32);
  let update = '\n';
  const encryptOffset = classic.length + update.length;
  if (!dangling) update += `${encryptNum} 0 obj\n<< /Filter /Standard /V 1 /R 2 /O <${zeros}> /U <${zeros}> /P -44 >>\nendobj\n`;
  const xrefOffset = classic.length + update.length;
  update += 'xref\n0 1\n0000000000 65535 f \n';
  if (!dangling) update += `${encryptNum} 1\n${String(encryptOffset).padStart(10, '0')} 00000 n \n`;
  update += `trailer\n<< /Size ${size + 1} /Root ${root} /Encrypt ${encryptNum} 0 R /ID [<${'ab'.repeat(16)}> <${'ab'.repeat(16)}>] /Prev ${prevXref} >>\n`;
  update += `startxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.from(classic + update, 'latin1');
}

/** Deterministic noise that never contains "%PDF-". */
function noise(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7919 + 13) % 251);
}

let helvetica: PDFFont;
let helveticaBold: PDFFont;

beforeAll(async () => {
  const scratch = await PDFDocument.create();
  helvetica = await scratch.embedFont(StandardFonts.Helvetica);
  helveticaBold = await scratch.embedFont(StandardFonts.HelveticaBold);
});

/** Corners of a run's glyph box (baseline to cap height) in user space. */
function runCorners(run: TextRun): [number, number][] {
  const font = run.baseFont === 'Helvetica-Bold' ? helveticaBold : helvetica;
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = run.matrix;
  const w = font.widthOfTextAtSize(run.text, run.size);
  const h = font.heightAtSize(run.size, { descender: false });
  return [
    [e, f],
    [e + a * w, f + b * w],
    [e + c * h, f + d * h],
    [e + a * w + c * h, f + b * w + d * h],
  ];
}

function runAngle(run: TextRun): number {
  const [a = 1, b = 0] = run.matrix;
  return (((Math.atan2(b, a) * 180) / Math.PI) % 360 + 360) % 360;
}

/** The watermark's two kinds of run on a stamped page. */
function stampRuns(doc: PDFDocument, page: PDFPage): { banner: TextRun; footer: TextRun[] } {
  const runs = textRuns(doc, page);
  const banner = runs.filter((r) => r.text === BANNER_TEXT);
  expect(banner).toHaveLength(1);
  const footer = runs.filter((r) => r.baseFont === 'Helvetica' && r.text !== 'Original body text');
  expect(footer.length).toBeGreaterThan(0);
  return { banner: banner[0] as TextRun, footer };
}

describe('watermarkText', () => {
  it('joins the notice, email, organization and date', () => {
    expect(watermarkText(recipient)).toBe(expectedFooter);
  });

  it('collapses newlines and control characters and marks bidi overrides', () => {
    expect(watermarkText({ email: ' a@b.test\n', organization: 'Evil\r\nCorp\u0000 \u202Eevil', date: '2026-01-02' })).toBe(
      'Confidential - under NDA · a@b.test · Evil Corp ?evil · 2026-01-02',
    );
  });
});

describe('watermarkPdf', () => {
  it('stamps every page, keeps the page count and produces a different, valid PDF', async () => {
    const original = await makePdf([{}, {}, {}]);
    const before = Buffer.from(original);
    const stamped = await watermarkPdf(original, recipient);

    expect(Buffer.from(stamped).equals(before)).toBe(false);
    expect(Buffer.from(original).equals(before)).toBe(true); // input left untouched
    expect(Buffer.from(stamped.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const doc = await load(stamped);
    expect(doc.getPageCount()).toBe(3);
    for (const page of doc.getPages()) {
      const texts = textRuns(doc, page).map((r) => r.text);
      expect(texts).toContain('Original body text');
      expect(texts).toContain(BANNER_TEXT);
      expect(texts.some((t) => t.includes(recipient.email))).toBe(true);
      expect(texts).toContain(expectedFooter);
    }
  });

  it('records the recipient in Subject and Keywords and keeps the title', async () => {
    const doc = await load(await watermarkPdf(await makePdf([{}], 'Acme SOC 2 Type II 2025'), recipient));
    expect(doc.getTitle()).toBe('Acme SOC 2 Type II 2025');
    expect(doc.getSubject()).toBe(expectedFooter);
    expect(doc.getKeywords()).toContain(recipient.email);
    expect(doc.getKeywords()).toContain(recipient.organization);
    expect(doc.getKeywords()).toContain(recipient.date);
  });

  it.each<[string, PageSpec]>([
    ['portrait', { size: [612, 792] }],
    ['landscape', { size: [842, 595] }],
    ['/Rotate 90', { size: [612, 792], rotate: 90 }],
    ['/Rotate 180', { size: [612, 792], rotate: 180 }],
    ['/Rotate 270 landscape', { size: [842, 595], rotate: 270 }],
    ['/Rotate -90', { size: [612, 792], rotate: -90 }],
    ['offset MediaBox', { mediaBox: [100, 200, 400, 300] }],
    ['negative MediaBox', { mediaBox: [-300, -400, 600, 800] }],
    ['CropBox inside MediaBox', { size: [612, 792], cropBox: [50, 60, 300, 400] }],
    ['offset MediaBox rotated 90', { mediaBox: [100, 200, 400, 300], rotate: 90 }],
  ])('keeps banner and footer inside the visible %s page, at the displayed angles', async (_label, spec) => {
    const doc = await load(await watermarkPdf(await makePdf([spec]), recipient));
    const page = doc.getPage(0);
    const media = page.getMediaBox();
    const box = spec.cropBox ? page.getCropBox() : media;
    const rotation = (((spec.rotate ?? 0) % 360) + 360) % 360;
    const { banner, footer } = stampRuns(doc, page);

    for (const run of [banner, ...footer]) {
      for (const [x, y] of runCorners(run)) {
        expect(x).toBeGreaterThanOrEqual(box.x - 0.01);
        expect(x).toBeLessThanOrEqual(box.x + box.width + 0.01);
        expect(y).toBeGreaterThanOrEqual(box.y - 0.01);
        expect(y).toBeLessThanOrEqual(box.y + box.height + 0.01);
      }
    }
    // Both appear upright to the reader: user-space angle = displayed angle + /Rotate.
    expect(runAngle(banner)).toBeCloseTo((45 + rotation) % 360, 5);
    for (const run of footer) expect(runAngle(run)).toBeCloseTo(rotation, 5);

    // The banner spans the page centre and is large relative to the shorter side.
    const corners = runCorners(banner);
    const cx = corners.reduce((s, [x]) => s + x, 0) / 4;
    const cy = corners.reduce((s, [, y]) => s + y, 0) / 4;
    expect(cx).toBeCloseTo(box.x + box.width / 2, 0);
    expect(cy).toBeCloseTo(box.y + box.height / 2, 0);
    expect(banner.size).toBeGreaterThan(Math.min(box.width, box.height) / 25);

    // The footer sits along the displayed bottom edge, i.e. the user-space edge /Rotate turns downward.
    const [fx = 0, fy = 0] = (footer[footer.length - 1] as TextRun).matrix.slice(4);
    const bottomDistance = { 0: fy - box.y, 90: box.x + box.width - fx, 180: box.y + box.height - fy, 270: fx - box.x }[rotation];
    expect(bottomDistance).toBeDefined();
    expect(bottomDistance as number).toBeGreaterThan(0);
    expect(bottomDistance as number).toBeLessThan(40);
  });

  it('stamps mixed page geometries in one document', async () => {
    const original = await makePdf([{}, { size: [842, 595] }, { rotate: 90 }, { mediaBox: [100, 200, 400, 300] }]);
    const doc = await load(await watermarkPdf(original, recipient));
    expect(doc.getPageCount()).toBe(4);
    for (const page of doc.getPages()) stampRuns(doc, page);
  });

  it('does not throw on emoji, CJK, quotes, PDF string delimiters or very long fields', async () => {
    const weird: WatermarkRecipient = {
      email: `"o'brien"+😀\\(x)@例え.テスト`,
      organization: `株式会社 グローベックス 🏢 “Quoted” <Org> & ¿Ünïcödé? ${'long '.repeat(300)}`,
      date: '2026-11-26',
    };
    const doc = await load(await watermarkPdf(await makePdf([{}, { size: [200, 150] }]), weird));
    expect(doc.getPageCount()).toBe(2);
    const footer = stampRuns(doc, doc.getPage(0)).footer.map((r) => r.text).join(' ');
    expect(footer).toContain(`"o'brien"+?\\(x)@??.???`); // unencodable characters become '?', one per code point
    expect(footer).toContain('???? ??????? ? '); // CJK and emoji, one '?' per code point
    expect(footer).toContain('Quoted'); // curly quotes are WinAnsi, so kept
    expect(footer).toContain('<Org> & ¿Ünïcödé?');
    // Metadata is UTF-16, so it keeps the recipient exactly (long fields are capped).
    expect(doc.getSubject()).toContain('株式会社 グローベックス 🏢');
    expect(doc.getKeywords()).toContain(`"o'brien"+😀\\(x)@例え.テスト`);
    // The footer wraps instead of running off the tiny page.
    const small = stampRuns(doc, doc.getPage(1));
    expect(small.footer.length).toBeGreaterThan(1);
  });

  it('rejects random bytes, an empty array and a header with no document as NOT_A_PDF', async () => {
    await expectWatermarkError(watermarkPdf(noise(4096), recipient), 'NOT_A_PDF');
    await expectWatermarkError(watermarkPdf(new Uint8Array(0), recipient), 'NOT_A_PDF');
    await expectWatermarkError(watermarkPdf(Buffer.from('%PDF-1.7\n%%EOF\n', 'latin1'), recipient), 'NOT_A_PDF');
  });

  it('rejects an encrypted PDF as ENCRYPTED_PDF', async () => {
    const encrypted = await encryptedPdf();
    // The fixture really is what pdf-lib considers encrypted. (Its errors are ES5-compiled, so match the message:
    // `instanceof EncryptedPDFError` is false even for the error it throws.)
    await expect(PDFDocument.load(encrypted)).rejects.toThrow(new EncryptedPDFError().message);
    expect((await PDFDocument.load(encrypted, { ignoreEncryption: true })).isEncrypted).toBe(true);
    await expectWatermarkError(watermarkPdf(encrypted, recipient), 'ENCRYPTED_PDF');
  });

  it('rejects a trailer /Encrypt that pdf-lib cannot resolve (it would load it as unencrypted)', async () => {
    const encrypted = await encryptedPdf(true);
    expect((await PDFDocument.load(encrypted)).isEncrypted).toBe(false);
    await expectWatermarkError(watermarkPdf(encrypted, recipient), 'ENCRYPTED_PDF');
  });

  it('enforces maxPages', async () => {
    const threePages = await makePdf([{}, {}, {}]);
    await expectWatermarkError(watermarkPdf(threePages, recipient, { maxPages: 2 }), 'TOO_MANY_PAGES');
    expect((await load(await watermarkPdf(threePages, recipient, { maxPages: 3 }))).getPageCount()).toBe(3);
    await expect(watermarkPdf(threePages, recipient, { maxPages: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('demoPdf', () => {
  const longText = Array.from({ length: 40 }, (_, i) => `Control ${i + 1}: ${'The service organization monitors access to production systems and reviews it quarterly. '.repeat(5)}`);

  it('makes a one-page A4 document with title and footer', async () => {
    const doc = await load(await demoPdf('Acme Information Security Policy', ['Short paragraph.']));
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getTitle()).toBe('Acme Information Security Policy');
    const page = doc.getPage(0);
    expect(page.getWidth()).toBeCloseTo(595.28, 1);
    expect(page.getHeight()).toBeCloseTo(841.89, 1);
    const texts = textRuns(doc, page).map((r) => r.text);
    expect(texts).toEqual(expect.arrayContaining(['Acme Information Security Policy', 'Short paragraph.', DEMO_FOOTER, 'Page 1 of 1']));
  });

  it('breaks long text across pages, each with a footer and text kept above it', async () => {
    const doc = await load(await demoPdf('Acme SOC 2 Type II Report', longText));
    const pages = doc.getPageCount();
    expect(pages).toBeGreaterThanOrEqual(3);
    doc.getPages().forEach((page, i) => {
      const runs = textRuns(doc, page);
      expect(runs.map((r) => r.text)).toEqual(expect.arrayContaining([DEMO_FOOTER, `Page ${i + 1} of ${pages}`]));
      for (const [x, y] of runs.flatMap(runCorners)) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(page.getWidth());
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(page.getHeight());
      }
    });
    // More text, more pages.
    expect((await load(await demoPdf('t', [...longText, ...longText]))).getPageCount()).toBeGreaterThan(pages);
  });

  it('is byte-for-byte deterministic', async () => {
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
    const first = await demoPdf('Pen test summary 😀', longText);
    const second = await demoPdf('Pen test summary 😀', longText);
    expect(sha(first)).toBe(sha(second));
    expect(sha(await demoPdf('Pen test summary', longText))).not.toBe(sha(first));
  });

  it('produces documents the watermark accepts', async () => {
    const original = await demoPdf('Acme SOC 2 Type II Report', longText);
    const doc = await load(await watermarkPdf(original, recipient));
    expect(doc.getPageCount()).toBe((await load(original)).getPageCount());
    expect(doc.getTitle()).toBe('Acme SOC 2 Type II Report');
  });
});
