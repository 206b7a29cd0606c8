import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import type { JwtConfig } from '../../config/config';

export interface VerifiedClaims {
  subject: string;
  email: string;
  /** The identity provider says it verified the address (`email_verified: true`); domain-based trust needs it. */
  emailVerified: boolean;
}

export type TokenRejection =
  | 'MALFORMED'
  | 'BAD_SIGNATURE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'MISSING_EXP'
  | 'WRONG_ISSUER'
  | 'WRONG_AUDIENCE'
  | 'MISSING_CLAIMS';

export class TokenError extends Error {
  constructor(readonly reason: TokenRejection, message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

/** Headers larger than this are refused before any parsing (a cheap guard against abuse). */
const MAX_TOKEN_LENGTH = 8192;

/**
 * Verifies a bearer token: the algorithm is pinned by configuration (never taken from the token), `exp` is required
 * (jsonwebtoken accepts tokens without one unless told otherwise), and `iss` and `aud` must match.
 */
export function verifyToken(token: string, config: JwtConfig, now: Date = new Date()): VerifiedClaims {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new TokenError('MALFORMED', token.length === 0 ? 'token empty' : 'token too large');
  const key = verificationKey(config);
  if (!key) throw new TokenError('BAD_SIGNATURE', 'no verification key configured');
  let payload: string | JwtPayload;
  try {
    payload = jwt.verify(token, key, {
      algorithms: [config.algorithm as Algorithm],
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockToleranceSeconds,
      clockTimestamp: Math.floor(now.getTime() / 1000),
    });
  } catch (error) {
    throw classify(error);
  }
  if (typeof payload === 'string') throw new TokenError('MALFORMED', 'token payload is not a JSON object');
  if (typeof payload.exp !== 'number') throw new TokenError('MISSING_EXP', 'token has no exp claim');
  const email = (payload as Record<string, unknown>).email;
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
    throw new TokenError('MISSING_CLAIMS', 'token has no usable sub claim');
  }
  if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 320) {
    throw new TokenError('MISSING_CLAIMS', 'token has no usable email claim');
  }
  return { subject: payload.sub, email: email.toLowerCase(), emailVerified: (payload as Record<string, unknown>).email_verified === true };
}

/**
 * The key as a KeyObject, made once per configuration: given a string, jsonwebtoken tries createPublicKey on every
 * verification (and for an HMAC secret, throws and falls back), which showed in profiles of authenticated requests.
 */
const keys = new WeakMap<JwtConfig, KeyObject | null>();
function verificationKey(config: JwtConfig): KeyObject | null {
  let key = keys.get(config);
  if (key === undefined) {
    if (config.algorithm === 'HS256') key = config.secret ? createSecretKey(Buffer.from(config.secret, 'utf8')) : null;
    else key = config.publicKey ? createPublicKey(config.publicKey) : null;
    keys.set(config, key);
  }
  return key;
}

function classify(error: unknown): TokenError {
  if (error instanceof jwt.TokenExpiredError) return new TokenError('EXPIRED', 'token expired');
  if (error instanceof jwt.NotBeforeError) return new TokenError('NOT_YET_VALID', 'token not yet valid');
  if (error instanceof jwt.JsonWebTokenError) {
    const m = error.message;
    if (m.startsWith('jwt issuer invalid')) return new TokenError('WRONG_ISSUER', 'token issuer not accepted');
    if (m.startsWith('jwt audience invalid')) return new TokenError('WRONG_AUDIENCE', 'token audience not accepted');
    if (m === 'jwt malformed' || m === 'invalid token' || m.startsWith('Unexpected token') || /^invalid (exp|nbf|iat) value/.test(m)) {
      return new TokenError('MALFORMED', 'token malformed');
    }
    return new TokenError('BAD_SIGNATURE', 'token signature or algorithm not accepted');
  }
  return new TokenError('MALFORMED', 'token could not be read');
}

/** Signs a development token (HS256 only: with a production identity provider, tokens come from it). */
export function signDevToken(
  config: JwtConfig,
  claims: { subject: string; email: string },
  ttlSeconds: number,
): string {
  if (config.algorithm !== 'HS256' || !config.secret) {
    throw new Error('Tokens can be signed here only with an HS256 JWT_SECRET; with JWT_PUBLIC_KEY, get tokens from your identity provider.');
  }
  // Development tokens stand for addresses the operator vouches for, as a real identity provider would mark them.
  return jwt.sign({ email: claims.email, email_verified: true }, config.secret, {
    algorithm: 'HS256',
    subject: claims.subject,
    issuer: config.issuer,
    audience: config.audience,
    expiresIn: ttlSeconds,
  });
}

/** The subject the demo seed and `npm run token` use for an email, so both name the same user. */
export const devSubjectFor = (email: string): string => `dev|${email.toLowerCase()}`;
