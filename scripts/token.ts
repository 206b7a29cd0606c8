import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config/config';
import { devSubjectFor, signDevToken } from '../src/modules/auth/jwt';

/** `npm run token -- --email admin@acme.test [--sub ID] [--ttl 3600]`: prints a bearer token for that user. */
function main(): void {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string', default: '3600' }, help: { type: 'boolean' } },
  });
  if (values.help || !values.email) {
    process.stderr.write('Usage: npm run token -- --email <email> [--sub <subject>] [--ttl <seconds, default 3600>]\n');
    process.exit(values.help ? 0 : 2);
  }
  const email = values.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    process.stderr.write(`--email: "${values.email}" is not an email address\n`);
    process.exit(2);
  }
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 30 * 24 * 3600) {
    process.stderr.write('--ttl: seconds between 60 and 2592000\n');
    process.exit(2);
  }
  try {
    const config = loadConfig();
    process.stdout.write(signDevToken(config.jwt, { subject: values.sub ?? devSubjectFor(email), email }, ttl) + '\n');
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? 'Configuration error: ' : ''}${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

main();
