import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The one reader of process.env. Everything the process needs is parsed and validated here at boot;
 * a bad or missing value stops the process with one line naming the variable.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type NodeEnv = 'development' | 'production' | 'test';
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export interface JwtConfig {
  algorithm: JwtAlgorithm;
  /** HS256 shared secret (also used by `npm run token` to sign). */
  secret?: string;
  /** PEM public key for RS256/ES256 (production identity provider). */
  publicKey?: string;
  issuer: string;
  audience: string;
  /** Seconds of clock skew tolerated on exp/nbf. */
  clockToleranceSeconds: number;
}

export interface DatabaseConfig {
  /** Owner / migrator connection; undefined means "start an embedded PostgreSQL". */
  url?: string;
  /** Runtime connection as the non-owner app role; derived from `url` when not given. */
  appUrl?: string;
  appPassword?: string;
  poolMax: number;
  statementTimeoutMs: number;
}

export interface StorageConfig {
  /** Undefined (with no bucket either) means "start an embedded S3 endpoint" (s3rver) for development and tests. */
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  embedded: boolean;
  /** Presigned download URLs live this long (minutes in the issue, seconds here). */
  downloadUrlTtlSeconds: number;
  uploadUrlTtlSeconds: number;
  maxUploadBytes: number;
}

export interface AppConfig {
  env: NodeEnv;
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseConfig;
  jwt: JwtConfig;
  storage: StorageConfig;
  migrateOnStart: boolean;
  seedDemo: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * Which X-Forwarded-For hops to believe (proxy-addr semantics, walked from the socket outwards): a number of
   * trusted hops in front of the app, or a list of addresses/CIDRs/names (loopback, linklocal, uniquelocal) of the
   * proxies. Default: none, the client address is the socket's.
   */
  trustProxy: number | string[];
  /** On shutdown, in-flight requests get this long to finish; connections still open then are closed. */
  shutdownDrainMs: number;
  /**
   * Requests per minute; 0 turns a limit off. Counted in Redis when `redisUrl` is set (shared by every process using
   * it and `keyPrefix`), else in memory per process (src/http/rate-limit.ts).
   */
  rateLimits: { perPrincipalPerMinute: number; perIpPerMinute: number; keyPrefix: string };
  /** REDIS_URL (redis:// or rediss://): shared rate-limit counters; null keeps them in memory, per process. */
  redisUrl: string | null;
  /** Abuse limits on GraphQL documents; each refusal answers a coded error. */
  limits: {
    maxDepth: number;
    maxAliases: number;
    maxDirectives: number;
    maxTokens: number;
    /** Field selections per operation, fragments expanded (each duplicate counts). */
    maxFields: number;
    /** How often one field (response key) may repeat in one selection set. */
    maxRepeats: number;
    /** Query cost, counting list sizes (`first`, default page size) as multipliers. */
    maxCost: number;
    /** A request not answered within this many ms gets 503 TIMEOUT (0: no limit); SQL has DB_STATEMENT_TIMEOUT_MS. */
    maxExecutionMs: number;
  };
  /** GRAPHQL_COMPILE_AT_RUN: the run at which an operation is compiled with graphql-jit (src/graphql/executor.ts); 0: never. */
  compileAtRun: number;
  jobs: {
    /** Run the job worker in this process (webhooks, fan-out, the daily sweep). */
    workerEnabled: boolean;
    concurrency: number;
    /** Daily freshness sweep, crontab syntax (UTC). */
    sweepCron: string;
    /** Accept http:// webhook URLs (development: local receivers); production requires https. */
    allowHttpWebhooks: boolean;
    /**
     * Deliver webhooks to loopback, private, link-local and other non-public addresses. Off unless explicitly set
     * (WEBHOOK_ALLOW_PRIVATE=true), whatever NODE_ENV says: the server must not become a probe of its own network.
     */
    allowPrivateWebhooks: boolean;
  };
  /**
   * Prometheus metrics: served on their own listener (never on the API port), bound to `host` (127.0.0.1 by default);
   * `port` null turns them off. `token`, when set, is required as `Authorization: Bearer <token>`.
   */
  metrics: { host: string; port: number | null; token: string | null };
  /** Largest page a connection returns (Relay `first`). */
  maxPageSize: number;
  /**
   * Anonymous GraphQL GETs (public trust-center pages): answered from a per-process cache that PostgreSQL NOTIFY
   * invalidates on every write to a public table, and marked cacheable for HTTP caches for `httpMaxAgeSeconds`.
   */
  publicCache: { maxEntries: number; maxBytes: number; ttlSeconds: number; httpMaxAgeSeconds: number };
  /**
   * `open`: any operation, with automatic persisted queries (shared through PostgreSQL). `registered`: only the
   * operations listed in the manifest file (Apollo's persisted-query manifest format), sent by hash or as exact text.
   */
  operations: { mode: 'open' | 'registered'; manifestPath: string | null };
  mail: MailConfig;
  /** Hosted-page sessions and CSRF tokens of the guest access flow (README, "Hosted page and guest requests"). */
  session: SessionConfig;
}

/** Transactional mail (issue 13): written to an outbox in the causing transaction, delivered by the job queue. */
export interface MailConfig {
  /**
   * smtp:// or smtps:// URL of the relay. Null: in development and tests the embedded SMTP sink receives the mail; in
   * production nothing is sent (messages stay QUEUED in the outbox, visible to admins, until a worker with SMTP_URL runs).
   */
  smtpUrl: string | null;
  /** The From header: `address@domain` or `Name <address@domain>`. */
  from: string;
  /** Where links in mail point (no trailing slash): the public URL of this server or of the web app in front of it. */
  publicBaseUrl: string;
  /** The embedded sink keeps each message here as an .eml file. */
  dir: string;
  alerts: MailAlertsConfig;
}

/** Alert and digest mail to buyers' members about the vendors they follow (README, "Alerts, digests and unsubscribe"). */
export interface MailAlertsConfig {
  /**
   * MAIL_TOKEN_SECRET: signs one-click unsubscribe links (HMAC-SHA256, at least 32 bytes). Every process must share it
   * (a link from one must work on another): required in production with SMTP_URL; otherwise generated once and kept in
   * DATA_DIR/mail-token-secret. Changing it invalidates every unsubscribe link already mailed.
   */
  tokenSecret: string;
  /** MAIL_DIGEST_CRON: when the daily digest goes out (crontab syntax, UTC; default 07:00). */
  digestCron: string;
}

/** Hosted-page sessions (src/modules/auth/session.ts). */
export interface SessionConfig {
  /**
   * SESSION_SECRET: signs session cookies and CSRF tokens (HMAC-SHA256, at least 32 bytes). Every process serving the
   * hosted page must share it; otherwise generated once and kept in DATA_DIR/session-secret. Changing it signs
   * everyone out.
   */
  secret: string;
  /** Cookies carry `Secure` (HTTPS only) except in development and test, which run on plain http://localhost. */
  secureCookies: boolean;
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function postgresUrl(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must start with postgres:// or postgresql://, got "${parsed.protocol}//"`);
  }
  if (parsed.pathname.length <= 1) throw new ConfigError(name, 'names no database (add /<database> to the URL)');
  return raw;
}

/**
 * A secret generated once and kept in the data folder, so tokens survive restarts in development. Created with O_EXCL
 * so two processes starting together agree on one secret; an empty file (an interrupted write) is replaced, a short one
 * refused.
 */
export function persistentSecret(dataDir: string, file: string, variable = 'DATA_DIR', minBytes = 32): string {
  const full = path.join(dataDir, file);
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const fresh = randomBytes(48).toString('base64url');
  try {
    writeFileSync(full, fresh + '\n', { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stored = readFileSync(full, 'utf8').trim();
  if (stored.length === 0) {
    writeFileSync(full, fresh + '\n', { mode: 0o600 });
    return fresh;
  }
  if (Buffer.byteLength(stored, 'utf8') < minBytes) {
    throw new ConfigError(variable, `${full} holds a secret shorter than ${minBytes} bytes; delete the file to generate a new one`);
  }
  return stored;
}

function url(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

function storageConfig(env: Env, nodeEnv: NodeEnv): StorageConfig {
  const endpoint = url(env, 'S3_ENDPOINT');
  const bucket = str(env, 'S3_BUCKET');
  const embedded = !endpoint && !bucket;
  if (embedded && nodeEnv === 'production') throw new ConfigError('S3_BUCKET', 'is required in production (the embedded S3 endpoint is for development)');
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError('S3_BUCKET', `"${bucket}" is not a valid bucket name`);
  }
  const accessKeyId = str(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = str(env, 'S3_SECRET_ACCESS_KEY');
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new ConfigError(accessKeyId ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID', 'set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (default AWS credentials)');
  }
  return {
    endpoint,
    bucket: bucket ?? 'trust-portal',
    region: str(env, 'S3_REGION') ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
    forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', Boolean(endpoint) || embedded),
    embedded,
    downloadUrlTtlSeconds: int(env, 'DOWNLOAD_URL_TTL_SECONDS', 300, 10, 3600),
    uploadUrlTtlSeconds: int(env, 'UPLOAD_URL_TTL_SECONDS', 900, 60, 24 * 3600),
    maxUploadBytes: int(env, 'MAX_UPLOAD_BYTES', 50 * 1024 * 1024, 1024, 5 * 1024 * 1024 * 1024),
  };
}

function cron(env: Env, name: string, fallback: string): string {
  const raw = str(env, name) ?? fallback;
  if (!/^(\S+\s+){4}\S+$/.test(raw)) throw new ConfigError(name, `expected five crontab fields (minute hour day month weekday), got "${raw}"`);
  return raw;
}

function jwtConfig(env: Env, nodeEnv: NodeEnv, dataDir: string): JwtConfig {
  const secret = str(env, 'JWT_SECRET');
  const publicKey = str(env, 'JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n');
  const issuer = str(env, 'JWT_ISSUER') ?? (nodeEnv === 'production' ? undefined : 'trust-portal-dev');
  const audience = str(env, 'JWT_AUDIENCE') ?? (nodeEnv === 'production' ? undefined : 'trust-portal');
  if (!issuer) throw new ConfigError('JWT_ISSUER', 'is required in production');
  if (!audience) throw new ConfigError('JWT_AUDIENCE', 'is required in production');
  const clockToleranceSeconds = int(env, 'JWT_CLOCK_TOLERANCE_SECONDS', 30, 0, 300);
  if (secret && publicKey) throw new ConfigError('JWT_SECRET', 'set either JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256/ES256), not both');
  if (publicKey) {
    if (!publicKey.includes('-----BEGIN PUBLIC KEY-----')) {
      throw new ConfigError('JWT_PUBLIC_KEY', 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
    }
    const algorithm = oneOf(env, 'JWT_ALGORITHM', ['RS256', 'ES256'] as const, 'RS256');
    return { algorithm, publicKey, issuer, audience, clockToleranceSeconds };
  }
  const algorithm = oneOf(env, 'JWT_ALGORITHM', ['HS256'] as const, 'HS256');
  if (secret) {
    if (Buffer.byteLength(secret, 'utf8') < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes');
    return { algorithm, secret, issuer, audience, clockToleranceSeconds };
  }
  if (nodeEnv === 'production') throw new ConfigError('JWT_SECRET', 'or JWT_PUBLIC_KEY is required in production');
  return { algorithm, secret: persistentSecret(dataDir, 'jwt-secret', 'JWT_SECRET'), issuer, audience, clockToleranceSeconds };
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const dataDir = path.resolve(str(env, 'DATA_DIR') ?? '.data');
  const url = postgresUrl(env, 'DATABASE_URL');
  const appUrl = postgresUrl(env, 'APP_DATABASE_URL');
  const appPassword = str(env, 'APP_DB_PASSWORD');
  if (url && !appUrl && !appPassword && nodeEnv === 'production') {
    throw new ConfigError('APP_DATABASE_URL', 'or APP_DB_PASSWORD is required in production with DATABASE_URL');
  }
  const dev = nodeEnv !== 'production';
  return {
    env: nodeEnv,
    host: str(env, 'HOST') ?? '0.0.0.0',
    port: int(env, 'PORT', 4000, 0, 65535),
    dataDir,
    database: {
      url,
      appUrl,
      appPassword,
      poolMax: int(env, 'DB_POOL_MAX', 10, 1, 500),
      statementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 10000, 100, 600000),
    },
    jwt: jwtConfig(env, nodeEnv, dataDir),
    storage: storageConfig(env, nodeEnv),
    migrateOnStart: bool(env, 'MIGRATE_ON_START', dev),
    seedDemo: bool(env, 'SEED_DEMO', dev),
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    trustProxy: trustProxyConfig(env),
    shutdownDrainMs: int(env, 'SHUTDOWN_DRAIN_MS', 10000, 0, 600000),
    rateLimits: {
      perPrincipalPerMinute: int(env, 'RATE_LIMIT_PER_PRINCIPAL', nodeEnv === 'test' ? 0 : 600, 0, 1_000_000),
      perIpPerMinute: int(env, 'RATE_LIMIT_PER_IP', nodeEnv === 'test' ? 0 : 1200, 0, 1_000_000),
      keyPrefix: rateLimitKeyPrefix(env),
    },
    redisUrl: redisUrl(env, 'REDIS_URL'),
    limits: {
      maxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 12, 2, 100),
      maxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 15, 1, 1000),
      maxDirectives: int(env, 'GRAPHQL_MAX_DIRECTIVES', 20, 1, 1000),
      maxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 3000, 100, 100000),
      maxFields: int(env, 'GRAPHQL_MAX_FIELDS', 500, 10, 100000),
      maxRepeats: int(env, 'GRAPHQL_MAX_REPEATED_FIELDS', 5, 1, 1000),
      maxCost: int(env, 'GRAPHQL_MAX_COST', 50000, 100, 10000000),
      maxExecutionMs: int(env, 'GRAPHQL_MAX_EXECUTION_MS', 30000, 0, 600000),
    },
    compileAtRun: int(env, 'GRAPHQL_COMPILE_AT_RUN', 2, 0, 1000),
    jobs: {
      workerEnabled: bool(env, 'WORKER_ENABLED', true),
      concurrency: int(env, 'WORKER_CONCURRENCY', 2, 1, 50),
      sweepCron: cron(env, 'SWEEP_CRON', '0 3 * * *'),
      allowHttpWebhooks: bool(env, 'WEBHOOK_ALLOW_HTTP', dev),
      allowPrivateWebhooks: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    },
    metrics: metricsConfig(env),
    maxPageSize: 100,
    publicCache: {
      maxEntries: int(env, 'PUBLIC_CACHE_ENTRIES', 5000, 0, 1_000_000),
      maxBytes: int(env, 'PUBLIC_CACHE_MB', 64, 1, 16384) * 1024 * 1024,
      ttlSeconds: int(env, 'PUBLIC_CACHE_TTL_SECONDS', 300, 1, 86400),
      httpMaxAgeSeconds: int(env, 'PUBLIC_CACHE_HTTP_MAX_AGE', 30, 0, 86400),
    },
    operations: operationsConfig(env),
    mail: mailConfig(env, nodeEnv, dataDir),
    session: sessionConfig(env, nodeEnv, dataDir),
  };
}

function sessionConfig(env: Env, nodeEnv: NodeEnv, dataDir: string): SessionConfig {
  const given = str(env, 'SESSION_SECRET');
  if (given !== undefined && Buffer.byteLength(given, 'utf8') < 32) throw new ConfigError('SESSION_SECRET', 'must be at least 32 bytes');
  return { secret: given ?? persistentSecret(dataDir, 'session-secret', 'SESSION_SECRET'), secureCookies: nodeEnv === 'production' };
}

const MAIL_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function mailConfig(env: Env, nodeEnv: NodeEnv, dataDir: string): MailConfig {
  const smtpUrl = str(env, 'SMTP_URL') ?? null;
  if (smtpUrl !== null) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(smtpUrl);
    } catch {
      // refused below
    }
    if (!parsed || (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') || !parsed.hostname) {
      throw new ConfigError('SMTP_URL', 'must be smtp://[user:password@]host[:port] or smtps://... (the relay that sends mail)');
    }
  }
  // Mail to real people (production with a relay) must say who sends it and link to the real address.
  const required = nodeEnv === 'production' && smtpUrl !== null;
  const from = str(env, 'MAIL_FROM') ?? (required ? undefined : 'trust-portal <no-reply@trust-portal.localhost>');
  if (from === undefined) throw new ConfigError('MAIL_FROM', 'is required in production with SMTP_URL (the From of every mail, e.g. "Acme Trust <trust@acme.example>")');
  const named = /^([^<>\r\n"]{0,100})<([^<>\s]+)>$/.exec(from);
  const address = named ? named[2]! : from;
  if (/[\r\n]/.test(from) || !MAIL_ADDRESS.test(address)) {
    throw new ConfigError('MAIL_FROM', `must be an address (trust@acme.example) or a name and an address (Acme Trust <trust@acme.example>), got "${from}"`);
  }
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL') ?? (required ? undefined : `http://localhost:${int(env, 'PORT', 4000, 0, 65535)}`);
  if (publicBaseUrl === undefined) throw new ConfigError('PUBLIC_BASE_URL', 'is required in production with SMTP_URL (links in mail point there, e.g. https://trust.acme.example)');
  return { smtpUrl, from, publicBaseUrl, dir: path.resolve(str(env, 'MAIL_DIR') ?? path.join(dataDir, 'mail')), alerts: mailAlertsConfig(env, required, dataDir) };
}

function mailAlertsConfig(env: Env, required: boolean, dataDir: string): MailAlertsConfig {
  const given = str(env, 'MAIL_TOKEN_SECRET');
  if (given !== undefined && Buffer.byteLength(given, 'utf8') < 32) throw new ConfigError('MAIL_TOKEN_SECRET', 'must be at least 32 bytes');
  if (given === undefined && required) throw new ConfigError('MAIL_TOKEN_SECRET', 'is required in production with SMTP_URL (it signs the unsubscribe links in mail; every process must share it)');
  return {
    tokenSecret: given ?? persistentSecret(dataDir, 'mail-token-secret', 'MAIL_TOKEN_SECRET'),
    digestCron: cron(env, 'MAIL_DIGEST_CRON', '0 7 * * *'),
  };
}

function redisUrl(env: Env, name: string): string | null {
  const raw = str(env, name);
  if (raw === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL (expected redis://[:password@]host:port[/db] or rediss://...)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ConfigError(name, `must start with redis:// or rediss://, got "${parsed.protocol}//"`);
  if (!parsed.hostname) throw new ConfigError(name, 'names no host');
  if (parsed.pathname.length > 1 && !/^\/\d{1,2}$/.test(parsed.pathname)) throw new ConfigError(name, `database must be a number (e.g. /0), got "${parsed.pathname.slice(1)}"`);
  return raw;
}

function rateLimitKeyPrefix(env: Env): string {
  const raw = str(env, 'RATE_LIMIT_KEY_PREFIX') ?? 'tp:rl';
  if (!/^[\w:.-]{1,64}$/.test(raw)) throw new ConfigError('RATE_LIMIT_KEY_PREFIX', `must be 1 to 64 letters, digits, ":", ".", "_" or "-", got "${raw}"`);
  return raw;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: unset/0/false = trust no proxy; N = N hops; or a comma list of proxy addresses, CIDRs or names. */
function trustProxyConfig(env: Env): AppConfig['trustProxy'] {
  const raw = str(env, 'TRUST_PROXY');
  if (raw === undefined || /^(0|false|no|off)$/i.test(raw)) return 0;
  if (/^(true|yes|on)$/i.test(raw)) {
    throw new ConfigError('TRUST_PROXY', 'say how many proxies stand in front of the app (e.g. 1) or list their addresses; "true" would let any client forge its address');
  }
  if (/^\d+$/.test(raw)) return int(env, 'TRUST_PROXY', 0, 0, 10);
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  for (const entry of entries) {
    if (PROXY_NAMES.has(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = net.isIP(address ?? '');
    const maxBits = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > maxBits))) {
      throw new ConfigError('TRUST_PROXY', `"${entry}" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal`);
    }
  }
  return entries;
}

function metricsConfig(env: Env): AppConfig['metrics'] {
  const raw = str(env, 'METRICS_PORT');
  const port = raw !== undefined && /^(off|false|no|none)$/i.test(raw) ? null : int(env, 'METRICS_PORT', 9464, 0, 65535);
  const token = str(env, 'METRICS_TOKEN') ?? null;
  if (token !== null && Buffer.byteLength(token, 'utf8') < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 bytes');
  return { host: str(env, 'METRICS_HOST') ?? '127.0.0.1', port, token };
}

function operationsConfig(env: Env): AppConfig['operations'] {
  const mode = oneOf(env, 'GRAPHQL_OPERATIONS', ['open', 'registered'] as const, 'open');
  const manifest = str(env, 'GRAPHQL_OPERATIONS_MANIFEST');
  if (mode === 'registered' && !manifest) throw new ConfigError('GRAPHQL_OPERATIONS_MANIFEST', 'is required with GRAPHQL_OPERATIONS=registered (a persisted-query manifest JSON file)');
  return { mode, manifestPath: manifest ? path.resolve(manifest) : null };
}
