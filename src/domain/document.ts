import contentDisposition from 'content-disposition';
import type { Framework } from './attestation';

export const DOCUMENT_KINDS = ['SOC_REPORT', 'BRIDGE_LETTER', 'PEN_TEST', 'POLICY', 'CERTIFICATE', 'INSURANCE', 'QUESTIONNAIRE', 'OTHER'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const VISIBILITIES = ['PUBLIC', 'RESTRICTED', 'PRIVATE'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** What can be uploaded: documents a buyer opens, never executables or HTML (which a browser would run). */
export const ALLOWED_CONTENT_TYPES: Readonly<Record<string, readonly string[]>> = {
  'application/pdf': ['pdf'],
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'text/plain': ['txt'],
  'text/csv': ['csv'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/zip': ['zip'],
};

/** A SOC 1 or SOC 2 report is restricted-use by the auditor's terms; a SOC 3 is for general use. */
const RESTRICTED_USE: readonly Framework[] = ['SOC1', 'SOC2'];

export function defaultVisibility(kind: DocumentKind): Visibility {
  return kind === 'SOC_REPORT' || kind === 'PEN_TEST' || kind === 'BRIDGE_LETTER' ? 'RESTRICTED' : 'PUBLIC';
}

export type DocumentRuleCode = 'SOC_REPORT_NOT_PUBLIC' | 'INVALID_TITLE';

/**
 * SOC reports cannot be PUBLIC unless they are SOC 3 (known from the attestation they belong to): a SOC 2 report
 * published by mistake is the one leak a trust center exists to prevent.
 */
export function checkVisibility(kind: DocumentKind, visibility: Visibility, attestationFramework: Framework | null): DocumentRuleCode | null {
  if (kind === 'SOC_REPORT' && visibility === 'PUBLIC' && (attestationFramework === null || RESTRICTED_USE.includes(attestationFramework))) {
    return 'SOC_REPORT_NOT_PUBLIC';
  }
  return null;
}

export type UploadRuleCode = 'CONTENT_TYPE_NOT_ALLOWED' | 'FILE_TOO_LARGE' | 'EMPTY_FILE' | 'INVALID_FILE_NAME' | 'INVALID_SHA256' | 'EXTENSION_MISMATCH';

export interface UploadRequest {
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
}

export function checkUpload(u: UploadRequest, maxBytes: number): { code: UploadRuleCode; field: string; message: string }[] {
  const errors: { code: UploadRuleCode; field: string; message: string }[] = [];
  // Own keys only: "constructor" or "__proto__" must read as not allowed, not as Object.prototype's members.
  const extensions = Object.hasOwn(ALLOWED_CONTENT_TYPES, u.contentType) ? ALLOWED_CONTENT_TYPES[u.contentType] : undefined;
  if (!extensions) {
    errors.push({ code: 'CONTENT_TYPE_NOT_ALLOWED', field: 'contentType', message: `${u.contentType} is not accepted; allowed: ${Object.keys(ALLOWED_CONTENT_TYPES).join(', ')}.` });
  }
  if (!Number.isInteger(u.sizeBytes) || u.sizeBytes <= 0) errors.push({ code: 'EMPTY_FILE', field: 'sizeBytes', message: 'sizeBytes must be a positive whole number.' });
  else if (u.sizeBytes > maxBytes) errors.push({ code: 'FILE_TOO_LARGE', field: 'sizeBytes', message: `Files are limited to ${maxBytes} bytes.` });
  // eslint-disable-next-line no-control-regex
  if (u.fileName.length === 0 || u.fileName.length > 200 || /[\u0000-\u001f/\\]/.test(u.fileName)) {
    errors.push({ code: 'INVALID_FILE_NAME', field: 'fileName', message: 'fileName is 1-200 characters with no path separators or control characters.' });
  } else if (extensions) {
    const ext = u.fileName.includes('.') ? u.fileName.split('.').pop()!.toLowerCase() : '';
    if (!extensions.includes(ext)) errors.push({ code: 'EXTENSION_MISMATCH', field: 'fileName', message: `A ${u.contentType} file name ends in .${extensions.join(' or .')}.` });
  }
  if (!/^[0-9a-f]{64}$/.test(u.sha256)) errors.push({ code: 'INVALID_SHA256', field: 'sha256', message: 'sha256 is the file\'s SHA-256 digest in 64 lowercase hex characters.' });
  return errors;
}

/**
 * Characters that never belong in a name a browser saves: path separators, C0 and C1 controls (CR/LF among them) and
 * DEL, line and paragraph separators, bidirectional controls (U+202E shows "report\u202Efdp.exe" as "reportexe.pdf") and
 * lone surrogates (not text at all: percent-encoding them throws).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_FILE_NAME = /[/\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The Content-Disposition of a download, built by the `content-disposition` package (RFC 6266, with RFC 5987's
 * `filename*=UTF-8''...` for names outside ASCII): the header is always printable ASCII, quotes are escaped, and a
 * Unicode name survives in `filename*`. Unsafe characters (above) become "_" first, so no part of a name is dropped as
 * a "path"; clients that ignore `filename*` get an ASCII fallback (accents dropped, anything else outside ASCII as "_").
 */
export function attachmentDisposition(fileName: string): string {
  const name = fileName.replace(UNSAFE_IN_FILE_NAME, '_');
  if (name === '') return contentDisposition(undefined, { type: 'attachment' }); // the package would send an empty filename*
  const fallback = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/gu, '_')
    .replace(/[/\\]/g, '_'); // NFKD turns fullwidth slashes into path separators the name itself does not have
  return contentDisposition(name, { type: 'attachment', fallback });
}
