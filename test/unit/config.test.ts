import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';

type Env = Record<string, string | undefined>;

const SECRET = 'config-test-secret-0123456789-abcdefghij'; // >= 32 bytes
const PUBLIC_KEY = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
}).publicKey;

const tempDirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-portal-config-test-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A development env that loads cleanly (explicit secret, so nothing is written to disk). */
const devEnv = (extra: Env = {}): Env => ({ DATA_DIR: tempDataDir(), JWT_SECRET: SECRET, MAIL_TOKEN_SECRET: SECRET, ...extra });

/** A production env that loads cleanly. */
const prodEnv = (extra: Env = {}): Env => ({
  NODE_ENV: 'production',
  DATA_DIR: tempDataDir(),
  JWT_SECRET: SECRET,
  JWT_ISSUER: 'https://idp.example.com/',
  JWT_AUDIENCE: 'trust-portal-api',
  S3_BUCKET: 'trust-portal-prod',
  ...extra,
});

/** The variable named by the ConfigError that loading `env` throws. */
function failingVariable(env: Env): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).variable;
  }
  throw new Error('expected a ConfigError, but the config loaded');
}

describe('loadConfig defaults', () => {
  it('defaults to development on port 4000', () => {
    const config = loadConfig(devEnv());
    expect(config.env).toBe('development');
    expect(config.port).toBe(4000);
    expect(config.logLevel).toBe('info');
    expect(config.database.url).toBeUndefined();
    expect(config.database.poolMax).toBe(10);
  });

  it('migrates on start and seeds the demo in development', () => {
    const config = loadConfig(devEnv());
    expect(config.migrateOnStart).toBe(true);
    expect(config.seedDemo).toBe(true);
  });

  it('neither migrates on start nor seeds the demo in production', () => {
    const config = loadConfig(prodEnv());
    expect(config.env).toBe('production');
    expect(config.migrateOnStart).toBe(false);
    expect(config.seedDemo).toBe(false);
  });

  it('lets MIGRATE_ON_START and SEED_DEMO override the environment default', () => {
    const config = loadConfig(prodEnv({ MIGRATE_ON_START: 'true', SEED_DEMO: 'yes' }));
    expect(config.migrateOnStart).toBe(true);
    expect(config.seedDemo).toBe(true);
  });

  it('uses development issuer and audience when none are given outside production', () => {
    const config = loadConfig(devEnv());
    expect(config.jwt).toMatchObject({ algorithm: 'HS256', secret: SECRET, issuer: 'trust-portal-dev', audience: 'trust-portal' });
  });

  it('resolves DATA_DIR to an absolute path', () => {
    const dir = tempDataDir();
    expect(loadConfig(devEnv({ DATA_DIR: dir })).dataDir).toBe(path.resolve(dir));
  });

  it('reads a valid PORT, DATABASE_URL and LOG_LEVEL', () => {
    const config = loadConfig(devEnv({ PORT: '8080', DATABASE_URL: 'postgres://u:p@db:5432/portal', LOG_LEVEL: 'debug' }));
    expect(config.port).toBe(8080);
    expect(config.database.url).toBe('postgres://u:p@db:5432/portal');
    expect(config.logLevel).toBe('debug');
  });

  it('treats blank values as unset', () => {
    expect(loadConfig(devEnv({ PORT: '  ', LOG_LEVEL: '' })).port).toBe(4000);
  });

  it('refuses private webhook targets in every NODE_ENV (NODE_ENV unset included) unless WEBHOOK_ALLOW_PRIVATE=true', () => {
    expect(devEnv().NODE_ENV).toBeUndefined();
    for (const env of [devEnv(), devEnv({ NODE_ENV: 'development' }), devEnv({ NODE_ENV: 'test' }), prodEnv(), devEnv({ WEBHOOK_ALLOW_PRIVATE: '' }), devEnv({ WEBHOOK_ALLOW_PRIVATE: 'false' })]) {
      expect([env.NODE_ENV, env.WEBHOOK_ALLOW_PRIVATE, loadConfig(env).jobs.allowPrivateWebhooks]).toEqual([env.NODE_ENV, env.WEBHOOK_ALLOW_PRIVATE, false]);
    }
    expect(loadConfig(devEnv({ WEBHOOK_ALLOW_PRIVATE: 'true' })).jobs.allowPrivateWebhooks).toBe(true);
    expect(loadConfig(prodEnv({ WEBHOOK_ALLOW_PRIVATE: 'true' })).jobs.allowPrivateWebhooks).toBe(true);
    expect(failingVariable(devEnv({ WEBHOOK_ALLOW_PRIVATE: 'sometimes' }))).toBe('WEBHOOK_ALLOW_PRIVATE');
  });
});

describe('loadConfig refuses bad values, naming the variable', () => {
  it.each<[string, Env, string]>([
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['PORT=70000', { PORT: '70000' }, 'PORT'],
    ['NODE_ENV=staging', { NODE_ENV: 'staging' }, 'NODE_ENV'],
    ['DATABASE_URL=mysql://x/y', { DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    ['DATABASE_URL=not a url', { DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    ['DATABASE_URL without a database', { DATABASE_URL: 'postgres://u:p@db:5432' }, 'DATABASE_URL'],
    ['DATABASE_URL with only a slash for a database', { DATABASE_URL: 'postgres://u:p@db:5432/' }, 'DATABASE_URL'],
    ['APP_DATABASE_URL=mysql://x/y', { APP_DATABASE_URL: 'mysql://x/y' }, 'APP_DATABASE_URL'],
    ['JWT_SECRET of 31 bytes', { JWT_SECRET: 'x'.repeat(31) }, 'JWT_SECRET'],
    ['JWT_SECRET and JWT_PUBLIC_KEY both set', { JWT_PUBLIC_KEY: PUBLIC_KEY }, 'JWT_SECRET'],
    ['JWT_PUBLIC_KEY not PEM', { JWT_SECRET: undefined, JWT_PUBLIC_KEY: 'ssh-rsa AAAAB3NzaC1yc2E' }, 'JWT_PUBLIC_KEY'],
    ['JWT_ALGORITHM=HS512 with a secret', { JWT_ALGORITHM: 'HS512' }, 'JWT_ALGORITHM'],
    ['JWT_ALGORITHM=HS256 with a public key', { JWT_SECRET: undefined, JWT_PUBLIC_KEY: PUBLIC_KEY, JWT_ALGORITHM: 'HS256' }, 'JWT_ALGORITHM'],
    ['MIGRATE_ON_START=maybe', { MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START'],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['DB_POOL_MAX=0', { DB_POOL_MAX: '0' }, 'DB_POOL_MAX'],
  ])('%s', (_label, extra, variable) => {
    expect(failingVariable(devEnv(extra))).toBe(variable);
  });

  it('accepts the boundary values next to the refused ones', () => {
    const config = loadConfig(devEnv({ PORT: '65535', DB_POOL_MAX: '1', JWT_SECRET: 'x'.repeat(32), MIGRATE_ON_START: 'off' }));
    expect(config.port).toBe(65535);
    expect(config.database.poolMax).toBe(1);
    expect(config.jwt.secret).toBe('x'.repeat(32));
    expect(config.migrateOnStart).toBe(false);
  });

  it('counts JWT_SECRET length in bytes, not characters', () => {
    const sixteenTwoByteChars = 'é'.repeat(16); // 16 characters, 32 UTF-8 bytes
    expect(loadConfig(devEnv({ JWT_SECRET: sixteenTwoByteChars })).jwt.secret).toBe(sixteenTwoByteChars);
  });

  it('puts the variable name first in the message', () => {
    expect(() => loadConfig(devEnv({ PORT: 'abc' }))).toThrow(/^PORT: /);
  });
});

describe('loadConfig in production', () => {
  it('requires JWT_ISSUER', () => {
    expect(failingVariable(prodEnv({ JWT_ISSUER: undefined }))).toBe('JWT_ISSUER');
  });

  it('requires JWT_AUDIENCE', () => {
    expect(failingVariable(prodEnv({ JWT_AUDIENCE: undefined }))).toBe('JWT_AUDIENCE');
  });

  it('requires a JWT secret or public key', () => {
    expect(failingVariable(prodEnv({ JWT_SECRET: undefined }))).toBe('JWT_SECRET');
  });

  it('does not generate a secret into DATA_DIR', () => {
    const dir = tempDataDir();
    expect(failingVariable(prodEnv({ JWT_SECRET: undefined, DATA_DIR: dir }))).toBe('JWT_SECRET');
    expect(existsSync(path.join(dir, 'jwt-secret'))).toBe(false);
  });

  it('accepts a public key instead of a secret', () => {
    const config = loadConfig(prodEnv({ JWT_SECRET: undefined, JWT_PUBLIC_KEY: PUBLIC_KEY, JWT_ALGORITHM: 'ES256' }));
    expect(config.jwt).toMatchObject({ algorithm: 'ES256', publicKey: PUBLIC_KEY.trim() });
    expect(config.jwt.secret).toBeUndefined();
  });

  it('requires APP_DATABASE_URL or APP_DB_PASSWORD when DATABASE_URL is set', () => {
    expect(failingVariable(prodEnv({ DATABASE_URL: 'postgres://owner:pw@db:5432/portal' }))).toBe('APP_DATABASE_URL');
  });

  it('accepts DATABASE_URL with APP_DB_PASSWORD', () => {
    const config = loadConfig(prodEnv({ DATABASE_URL: 'postgres://owner:pw@db:5432/portal', APP_DB_PASSWORD: 'app-pw' }));
    expect(config.database.appPassword).toBe('app-pw');
  });

  it('accepts DATABASE_URL with APP_DATABASE_URL', () => {
    const config = loadConfig(prodEnv({ DATABASE_URL: 'postgres://owner:pw@db:5432/portal', APP_DATABASE_URL: 'postgresql://app:pw@db:5432/portal' }));
    expect(config.database.appUrl).toBe('postgresql://app:pw@db:5432/portal');
  });

  it('does not require app credentials in development', () => {
    expect(loadConfig(devEnv({ DATABASE_URL: 'postgres://owner:pw@db:5432/portal' })).database.url).toBe('postgres://owner:pw@db:5432/portal');
  });
});

describe('loadConfig development JWT secret', () => {
  it('generates a secret into DATA_DIR/jwt-secret with mode 0600 when JWT_SECRET is unset', () => {
    const dir = tempDataDir();
    const config = loadConfig({ DATA_DIR: dir });
    const file = path.join(dir, 'jwt-secret');
    expect(config.jwt.algorithm).toBe('HS256');
    expect(Buffer.byteLength(config.jwt.secret ?? '', 'utf8')).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(config.jwt.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('returns the same secret on the next load', () => {
    const dir = tempDataDir();
    const first = loadConfig({ DATA_DIR: dir }).jwt.secret;
    const second = loadConfig({ DATA_DIR: dir }).jwt.secret;
    expect(second).toBe(first);
  });

  it('creates DATA_DIR when it does not exist yet', () => {
    const dir = path.join(tempDataDir(), 'nested', 'data');
    const secret = loadConfig({ DATA_DIR: dir }).jwt.secret;
    expect(readFileSync(path.join(dir, 'jwt-secret'), 'utf8').trim()).toBe(secret);
  });

  it('gives different data folders different secrets', () => {
    expect(loadConfig({ DATA_DIR: tempDataDir() }).jwt.secret).not.toBe(loadConfig({ DATA_DIR: tempDataDir() }).jwt.secret);
  });

  it('does not write a secret file when JWT_SECRET is given', () => {
    const dir = tempDataDir();
    loadConfig({ DATA_DIR: dir, JWT_SECRET: SECRET });
    expect(existsSync(path.join(dir, 'jwt-secret'))).toBe(false);
  });

  it('replaces an empty stored secret (an interrupted write) with a fresh one', () => {
    const dir = tempDataDir();
    const file = path.join(dir, 'jwt-secret');
    writeFileSync(file, '', { mode: 0o600 });
    const secret = loadConfig({ DATA_DIR: dir }).jwt.secret ?? '';
    expect(Buffer.byteLength(secret, 'utf8')).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
  });

  it('refuses a stored secret shorter than 32 bytes, naming JWT_SECRET', () => {
    const dir = tempDataDir();
    writeFileSync(path.join(dir, 'jwt-secret'), 'short\n', { mode: 0o600 });
    expect(failingVariable({ DATA_DIR: dir })).toBe('JWT_SECRET');
  });
});

describe('loadConfig JWT_PUBLIC_KEY', () => {
  it('turns literal "\\n" sequences into newlines', () => {
    const oneLine = PUBLIC_KEY.trim().replace(/\n/g, '\\n');
    expect(oneLine).not.toContain('\n');
    const config = loadConfig({ DATA_DIR: tempDataDir(), JWT_PUBLIC_KEY: oneLine });
    expect(config.jwt.publicKey).toBe(PUBLIC_KEY.trim());
  });

  it('defaults to RS256 with a public key', () => {
    expect(loadConfig({ DATA_DIR: tempDataDir(), JWT_PUBLIC_KEY: PUBLIC_KEY }).jwt.algorithm).toBe('RS256');
  });
});

describe('loadConfig storage', () => {
  it('uses the embedded S3 endpoint in development when neither S3_ENDPOINT nor S3_BUCKET is set', () => {
    const s = loadConfig(devEnv()).storage;
    expect(s).toMatchObject({ embedded: true, bucket: 'trust-portal', forcePathStyle: true, downloadUrlTtlSeconds: 300 });
  });

  it('requires S3_BUCKET in production', () => {
    expect(failingVariable(prodEnv({ S3_BUCKET: '' }))).toBe('S3_BUCKET');
  });

  it.each([
    [{ S3_ENDPOINT: 'ftp://minio:9000' }, 'S3_ENDPOINT'],
    [{ S3_BUCKET: 'Bad_Bucket' }, 'S3_BUCKET'],
    [{ S3_ACCESS_KEY_ID: 'only-half' }, 'S3_SECRET_ACCESS_KEY'],
    [{ S3_SECRET_ACCESS_KEY: 'only-half' }, 'S3_ACCESS_KEY_ID'],
    [{ DOWNLOAD_URL_TTL_SECONDS: '5' }, 'DOWNLOAD_URL_TTL_SECONDS'],
    [{ MAX_UPLOAD_BYTES: 'lots' }, 'MAX_UPLOAD_BYTES'],
  ])('names the bad storage variable %j', (extra, variable) => {
    expect(failingVariable(devEnv(extra as Env))).toBe(variable);
  });

  it('switches to a MinIO endpoint with path-style addressing', () => {
    const s = loadConfig(devEnv({ S3_ENDPOINT: 'http://minio:9000/', S3_BUCKET: 'docs', S3_ACCESS_KEY_ID: 'a', S3_SECRET_ACCESS_KEY: 'b' })).storage;
    expect(s).toMatchObject({ embedded: false, endpoint: 'http://minio:9000', bucket: 'docs', forcePathStyle: true, accessKeyId: 'a' });
  });
});

describe('loadConfig mail alerts', () => {
  const relay = { SMTP_URL: 'smtp://relay.example.com:587', MAIL_FROM: 'Acme Trust <trust@acme.example>', PUBLIC_BASE_URL: 'https://trust.acme.example' };

  it('requires MAIL_TOKEN_SECRET in production with SMTP_URL (every process must verify the same links)', () => {
    expect(failingVariable(prodEnv(relay))).toBe('MAIL_TOKEN_SECRET');
    expect(loadConfig(prodEnv({ ...relay, MAIL_TOKEN_SECRET: SECRET })).mail.alerts.tokenSecret).toBe(SECRET);
  });

  it('refuses a MAIL_TOKEN_SECRET under 32 bytes', () => {
    expect(failingVariable(devEnv({ MAIL_TOKEN_SECRET: 'x'.repeat(31) }))).toBe('MAIL_TOKEN_SECRET');
  });

  it('generates one into DATA_DIR/mail-token-secret in development and keeps it across loads', () => {
    const dir = tempDataDir();
    const first = loadConfig(devEnv({ DATA_DIR: dir, MAIL_TOKEN_SECRET: undefined })).mail.alerts.tokenSecret;
    expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
    expect(readFileSync(path.join(dir, 'mail-token-secret'), 'utf8').trim()).toBe(first);
    expect(loadConfig(devEnv({ DATA_DIR: dir, MAIL_TOKEN_SECRET: undefined })).mail.alerts.tokenSecret).toBe(first);
  });

  it('MAIL_DIGEST_CRON defaults to 07:00 UTC and must be a crontab line', () => {
    expect(loadConfig(devEnv()).mail.alerts.digestCron).toBe('0 7 * * *');
    expect(loadConfig(devEnv({ MAIL_DIGEST_CRON: '30 6 * * 1-5' })).mail.alerts.digestCron).toBe('30 6 * * 1-5');
    expect(failingVariable(devEnv({ MAIL_DIGEST_CRON: 'daily' }))).toBe('MAIL_DIGEST_CRON');
  });
});
