import contentDisposition from 'content-disposition';
import fc from 'fast-check';
import { attachmentDisposition, checkUpload } from '../../src/domain/document';

/**
 * File names reach the Content-Disposition of every download (through S3's response-content-disposition). Two layers:
 * checkUpload refuses control characters and path separators when a file is declared, and attachmentDisposition builds
 * the header with the `content-disposition` package (RFC 6266 / 5987) so that no name can break or add to it.
 */
const parsed = (header: string) => contentDisposition.parse(header);
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

describe('attachmentDisposition', () => {
  test('a plain ASCII name is one quoted filename parameter', () => {
    expect(attachmentDisposition('soc2-report.pdf')).toBe('attachment; filename="soc2-report.pdf"');
  });

  test.each([
    ['double quotes', 'say "hi".pdf', 'attachment; filename="say \\"hi\\".pdf"'],
    ['semicolons and an extra parameter', 'a; filename=evil.exe; x=.pdf', 'attachment; filename="a; filename=evil.exe; x=.pdf"'],
    ["a name containing filename*=", `x"; filename*=UTF-8''evil.exe.pdf`, `attachment; filename="x\\"; filename*=UTF-8''evil.exe.pdf"`],
    ['a quote right before the end', 'end"', 'attachment; filename="end\\""'],
  ])('%s: the name stays inside the one quoted value', (_name, fileName, header) => {
    expect(attachmentDisposition(fileName)).toBe(header);
    expect(parsed(header)).toEqual({ type: 'attachment', parameters: { filename: fileName } });
  });

  test('a percent sequence that a client could decode is also sent as filename*, which decodes to the name itself', () => {
    const header = attachmentDisposition('100%41 done.pdf');
    expect(header).toBe(`attachment; filename="100%41 done.pdf"; filename*=UTF-8''100%2541%20done.pdf`);
    expect(parsed(header).parameters.filename).toBe('100%41 done.pdf');
  });

  test('a Unicode name survives in filename*, with an ASCII fallback in filename', () => {
    const name = "Rapport d'audit – été 2026.pdf";
    const header = attachmentDisposition(name);
    expect(header).toBe(`attachment; filename="Rapport d'audit _ ete 2026.pdf"; filename*=UTF-8''Rapport%20d%27audit%20%E2%80%93%20%C3%A9t%C3%A9%202026.pdf`);
    expect(parsed(header).parameters.filename).toBe(name);
    for (const other of ['报告 2026.pdf', 'отчёт.pdf', '📄 rapport.pdf', 'ｆｕｌｌｗｉｄｔｈ.pdf', 'tabulæ.pdf']) {
      const h = attachmentDisposition(other);
      expect(h).toMatch(PRINTABLE_ASCII);
      expect(parsed(h).parameters.filename).toBe(other);
    }
  });

  test('CR/LF (and other controls) cannot end the header or start another: they become "_"', () => {
    const header = attachmentDisposition('a\r\nSet-Cookie: x=1\r\n\r\n.pdf');
    expect(header).toBe('attachment; filename="a__Set-Cookie: x=1____.pdf"');
    for (const c of ['\u0000', '\t', '\u007f', '\u0085', '\u2028', '\u2029']) expect(attachmentDisposition(`a${c}b.pdf`)).toBe('attachment; filename="a_b.pdf"');
  });

  test('bidirectional controls (U+202E right-to-left override) cannot disguise the extension', () => {
    // "invoice\u202Efdp.exe" would display as "invoiceexe.pdf".
    for (const c of ['\u202e', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c']) {
      const header = attachmentDisposition(`invoice${c}fdp.txt`);
      expect(header).toBe('attachment; filename="invoice_fdp.txt"');
    }
  });

  test('backslashes and slashes are not path separators: the whole name is kept, with "_" in their place', () => {
    expect(attachmentDisposition('a\\b.pdf')).toBe('attachment; filename="a_b.pdf"');
    expect(attachmentDisposition('..\\..\\etc/passwd.pdf')).toBe('attachment; filename=".._.._etc_passwd.pdf"');
    // A fullwidth solidus is text, kept in filename*; its NFKD form is "/", so the fallback gets "_".
    expect(attachmentDisposition('a／b.pdf')).toBe(`attachment; filename="a_b.pdf"; filename*=UTF-8''a%EF%BC%8Fb.pdf`);
  });

  test('an empty name (refused at upload anyway) gives a bare attachment', () => {
    expect(attachmentDisposition('')).toBe('attachment');
  });

  test('a lone surrogate (not text; percent-encoding it throws) becomes "_" instead of failing the download', () => {
    expect(attachmentDisposition('\ud800x.pdf')).toBe('attachment; filename="_x.pdf"');
    expect(attachmentDisposition('x\udc00.pdf')).toBe('attachment; filename="x_.pdf"');
  });

  test('any string: the header is printable ASCII, parses as one attachment, and names the file as given but for unsafe characters', () => {
    const tricky = fc.constantFrom('"', '\\', '/', ';', '*', "'", '=', '%', '%41', ' ', '\r', '\n', '\t', '\u0000', '\u0085', '\u2028', '\u202e', '\u2066', '\ud800', '\udc00', 'é', '–', '📄', 'a', 'Z', '.pdf', 'filename*=', "UTF-8''");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: tricky, maxLength: 20 })), (name) => {
        const header = attachmentDisposition(name);
        expect(header).toMatch(PRINTABLE_ASCII);
        const { type, parameters } = parsed(header);
        expect(type).toBe('attachment');
        expect(Object.keys(parameters)).toEqual(name === '' ? [] : ['filename']);
        if (name === '') return;
        // One "_" per unsafe UTF-16 unit: same length, and unchanged where nothing was unsafe.
        expect(parameters.filename!.length).toBe(name.length);
        if (!/[\\/\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/.test(name)) expect(parameters.filename).toBe(name);
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkUpload refuses file names with controls or path separators before they are stored', () => {
  const upload = (fileName: string) => checkUpload({ fileName, contentType: 'application/pdf', sizeBytes: 10, sha256: 'a'.repeat(64) }, 1000);

  test.each(['a\r\nb.pdf', 'a\nb.pdf', 'a\rb.pdf', 'a\tb.pdf', 'a\u0000b.pdf', 'dir/a.pdf', 'dir\\a.pdf', ''])('%j is INVALID_FILE_NAME', (fileName) => {
    expect(upload(fileName)).toEqual([expect.objectContaining({ code: 'INVALID_FILE_NAME', field: 'fileName' })]);
  });

  test.each(['say "hi".pdf', 'a; filename=evil.exe.pdf', `x"; filename*=UTF-8''evil.pdf`, "Rapport d'audit – été 2026.pdf", 'invoice\u202efdp.pdf'])(
    '%j is accepted: the header layer makes it safe',
    (fileName) => {
      expect(upload(fileName)).toEqual([]);
      expect(attachmentDisposition(fileName)).toMatch(PRINTABLE_ASCII);
    },
  );
});
