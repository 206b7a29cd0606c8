import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { JwtConfig } from '../../src/config/config';
import { signDevToken, TokenError, type TokenRejection, verifyToken } from '../../src/modules/auth/jwt';

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnop'; // >= 32 bytes
const NOW = new Date('2025-06-01T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

const hsConfig: JwtConfig = {
  algorithm: 'HS256',
  secret: SECRET,
  issuer: 'iss-test',
  audience: 'aud-test',
  clockToleranceSeconds: 0,
};

const pem = { type: 'spki', format: 'pem' } as const;
const pkcs8 = { type: 'pkcs8', format: 'pem' } as const;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: pem, privateKeyEncoding: pkcs8 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: pem, privateKeyEncoding: pkcs8 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: pem, privateKeyEncoding: pkcs8 });
const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: pem, privateKeyEncoding: pkcs8 });

const rsConfig: JwtConfig = { algorithm: 'RS256', publicKey: rsa.publicKey, issuer: 'iss-test', audience: 'aud-test', clockToleranceSeconds: 0 };
const esConfig: JwtConfig = { algorithm: 'ES256', publicKey: ec.publicKey, issuer: 'iss-test', audience: 'aud-test', clockToleranceSeconds: 0 };

/** A payload valid at NOW for the configs above; override or delete fields per test. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: 'user-1',
    email: 'alice@example.com',
    iss: 'iss-test',
    aud: 'aud-test',
    iat: NOW_S - 10,
    exp: NOW_S + 300,
    ...overrides,
  };
}

function without(payload: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...payload };
  delete copy[key];
  return copy;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Builds a compact JWS by hand so the header can say anything (jsonwebtoken's sign refuses some of these). */
function handMade(header: Record<string, unknown>, payload: Record<string, unknown>, hmacKey?: string): string {
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  const signature = hmacKey === undefined ? '' : createHmac('sha256', hmacKey).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

const signHs256 = (payload: Record<string, unknown>, secret = SECRET): string => jwt.sign(payload, secret, { algorithm: 'HS256' });

function rejection(run: () => unknown): TokenRejection {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    return (error as TokenError).reason;
  }
  throw new Error('expected a TokenError, but the token was accepted');
}

describe('verifyToken with HS256', () => {
  it('accepts a valid token and returns subject and email', () => {
    expect(verifyToken(signHs256(claims()), hsConfig, NOW)).toEqual({ subject: 'user-1', email: 'alice@example.com', emailVerified: false });
  });

  it('lower-cases the email on success', () => {
    const token = signHs256(claims({ email: 'Alice.Smith@Example.COM' }));
    expect(verifyToken(token, hsConfig, NOW).email).toBe('alice.smith@example.com');
  });

  it('accepts a hand-made HS256 token (the hand-made helper is sound)', () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, claims(), SECRET);
    expect(verifyToken(token, hsConfig, NOW).subject).toBe('user-1');
  });

  it('rejects alg "none" with an empty signature', () => {
    const token = handMade({ alg: 'none', typ: 'JWT' }, claims());
    expect(token.endsWith('.')).toBe(true);
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('BAD_SIGNATURE');
  });

  it('rejects HS512 even with the right secret (the algorithm is pinned)', () => {
    const token = jwt.sign(claims(), SECRET, { algorithm: 'HS512' });
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('BAD_SIGNATURE');
  });

  it('rejects a token signed with another secret', () => {
    const token = signHs256(claims(), 'another-secret-0123456789-abcdefghijklmnop');
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('BAD_SIGNATURE');
  });

  it('rejects a tampered payload (BAD_SIGNATURE)', () => {
    const [header, , signature] = signHs256(claims()).split('.');
    const forged = `${header}.${b64url(claims({ sub: 'admin' }))}.${signature}`;
    expect(rejection(() => verifyToken(forged, hsConfig, NOW))).toBe('BAD_SIGNATURE');
  });

  it('rejects an expired token (EXPIRED)', () => {
    const token = signHs256(claims({ iat: NOW_S - 600, exp: NOW_S - 1 }));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('EXPIRED');
  });

  it('treats exp equal to now as expired, and one second earlier as valid', () => {
    const token = signHs256(claims({ exp: NOW_S + 60 }));
    expect(verifyToken(token, hsConfig, new Date((NOW_S + 59) * 1000)).subject).toBe('user-1');
    expect(rejection(() => verifyToken(token, hsConfig, new Date((NOW_S + 60) * 1000)))).toBe('EXPIRED');
  });

  it('honours clockToleranceSeconds on exp', () => {
    const token = signHs256(claims({ exp: NOW_S - 5 }));
    expect(verifyToken(token, { ...hsConfig, clockToleranceSeconds: 30 }, NOW).subject).toBe('user-1');
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('EXPIRED');
  });

  it('rejects a token whose exp is not a number', () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, claims({ exp: String(NOW_S + 300) }), SECRET);
    expect(() => verifyToken(token, hsConfig, NOW)).toThrow(TokenError);
  });

  it('rejects a token whose nbf is in the future (NOT_YET_VALID)', () => {
    const token = signHs256(claims({ nbf: NOW_S + 60 }));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('NOT_YET_VALID');
  });

  it('accepts a token whose nbf is now', () => {
    expect(verifyToken(signHs256(claims({ nbf: NOW_S })), hsConfig, NOW).subject).toBe('user-1');
  });

  it('rejects a token with no exp (MISSING_EXP)', () => {
    const token = signHs256(without(claims(), 'exp'));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('MISSING_EXP');
  });

  it('rejects a token from another issuer (WRONG_ISSUER)', () => {
    const token = signHs256(claims({ iss: 'someone-else' }));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('WRONG_ISSUER');
  });

  it('rejects a token with no issuer (WRONG_ISSUER)', () => {
    const token = signHs256(without(claims(), 'iss'));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('WRONG_ISSUER');
  });

  it('rejects a token for another audience (WRONG_AUDIENCE)', () => {
    const token = signHs256(claims({ aud: 'another-api' }));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('WRONG_AUDIENCE');
  });

  it('rejects a token larger than 8192 characters before parsing it (MALFORMED)', () => {
    const token = signHs256(claims({ padding: 'x'.repeat(9000) }));
    expect(token.length).toBeGreaterThan(8192);
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('MALFORMED');
  });

  it.each(['garbage', 'not.a.jwt', 'a.b', 'a.b.c.d', '..'])('rejects the garbage string %j (MALFORMED)', (token) => {
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('MALFORMED');
  });

  it('rejects an empty token as MALFORMED, not as a bad signature', () => {
    expect(rejection(() => verifyToken('', hsConfig, NOW))).toBe('MALFORMED');
  });

  it('rejects a signed token whose payload is not JSON (MALFORMED)', () => {
    const signingInput = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from('not json').toString('base64url')}`;
    const token = `${signingInput}.${createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`;
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('MALFORMED');
  });

  it('rejects a token with no sub (MISSING_CLAIMS)', () => {
    const token = signHs256(without(claims(), 'sub'));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('MISSING_CLAIMS');
  });

  it('rejects a token with an empty sub (MISSING_CLAIMS)', () => {
    const token = signHs256(claims({ sub: '' }));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('MISSING_CLAIMS');
  });

  it('rejects a token with no email (MISSING_CLAIMS)', () => {
    const token = signHs256(without(claims(), 'email'));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('MISSING_CLAIMS');
  });

  it('rejects a token whose email is not an address (MISSING_CLAIMS)', () => {
    const token = signHs256(claims({ email: 'alice' }));
    expect(rejection(() => verifyToken(token, hsConfig, NOW))).toBe('MISSING_CLAIMS');
  });
});

describe('verifyToken with RS256', () => {
  it('accepts a token signed with the matching private key', () => {
    const token = jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' });
    expect(verifyToken(token, rsConfig, NOW)).toEqual({ subject: 'user-1', email: 'alice@example.com', emailVerified: false });
  });

  it('rejects a token signed with another private key', () => {
    const token = jwt.sign(claims(), otherRsa.privateKey, { algorithm: 'RS256' });
    expect(rejection(() => verifyToken(token, rsConfig, NOW))).toBe('BAD_SIGNATURE');
  });

  it('rejects an HS256 token whose HMAC key is the RS256 public key PEM (key confusion)', () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, claims(), rsa.publicKey);
    expect(rejection(() => verifyToken(token, rsConfig, NOW))).toBe('BAD_SIGNATURE');
  });

  it('rejects alg "none"', () => {
    const token = handMade({ alg: 'none', typ: 'JWT' }, claims());
    expect(rejection(() => verifyToken(token, rsConfig, NOW))).toBe('BAD_SIGNATURE');
  });

  it('rejects an RS256 token when no public key is configured', () => {
    const token = jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' });
    expect(rejection(() => verifyToken(token, { ...rsConfig, publicKey: undefined }, NOW))).toBe('BAD_SIGNATURE');
  });
});

describe('verifyToken with ES256', () => {
  it('accepts a token signed with the matching private key', () => {
    const token = jwt.sign(claims(), ec.privateKey, { algorithm: 'ES256' });
    expect(verifyToken(token, esConfig, NOW)).toEqual({ subject: 'user-1', email: 'alice@example.com', emailVerified: false });
  });

  it('rejects a token signed with another private key', () => {
    const token = jwt.sign(claims(), otherEc.privateKey, { algorithm: 'ES256' });
    expect(rejection(() => verifyToken(token, esConfig, NOW))).toBe('BAD_SIGNATURE');
  });

  it('rejects an RS256 token when configured for ES256 (the algorithm is pinned)', () => {
    const token = jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' });
    expect(rejection(() => verifyToken(token, { ...esConfig, publicKey: rsa.publicKey }, NOW))).toBe('BAD_SIGNATURE');
  });
});

describe('signDevToken', () => {
  it('signs an HS256 token that verifyToken accepts, with the email lower-cased', () => {
    const token = signDevToken(hsConfig, { subject: 'dev|bob@example.com', email: 'Bob@Example.com' }, 600);
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('HS256');
    expect(verifyToken(token, hsConfig)).toEqual({ subject: 'dev|bob@example.com', email: 'bob@example.com', emailVerified: true });
  });

  it('sets exp to now + ttlSeconds', () => {
    const before = Math.floor(Date.now() / 1000);
    const token = signDevToken(hsConfig, { subject: 's', email: 'a@b.co' }, 600);
    const exp = (jwt.decode(token) as jwt.JwtPayload).exp as number;
    expect(exp).toBeGreaterThanOrEqual(before + 600);
    expect(exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
  });

  it('refuses to sign with an RS256 config', () => {
    expect(() => signDevToken(rsConfig, { subject: 's', email: 'a@b.co' }, 600)).toThrow(/HS256/);
  });

  it('refuses to sign with an HS256 config that has no secret', () => {
    expect(() => signDevToken({ ...hsConfig, secret: undefined }, { subject: 's', email: 'a@b.co' }, 600)).toThrow(/HS256/);
  });
});

describe('email_verified', () => {
  it('is true only when the token says email_verified: true', () => {
    expect(verifyToken(signHs256(claims({ email_verified: true })), hsConfig, NOW).emailVerified).toBe(true);
    expect(verifyToken(signHs256(claims({ email_verified: 'true' })), hsConfig, NOW).emailVerified).toBe(false);
  });
});
