import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's chromium, installed with apt-get when it is missing (and the test says so): playwright-core ships no
 * browser, and this machine's network reaches Debian's mirror but not Playwright's download host.
 */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  process.stderr.write(`browser tests: ${CHROMIUM} is missing; installing Debian's chromium with apt-get (once per machine)\n`);
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  } catch (error) {
    throw new Error(`browser tests need chromium at ${CHROMIUM}: "apt-get install -y chromium" failed (${(error as Error).message}). Install it, or set CHROMIUM_PATH.`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing; set CHROMIUM_PATH`);
}

/**
 * Headless, no sandbox (root in CI), nothing that phones home (the network is closed). Playwright gives every launch
 * a fresh temporary profile (it refuses a --user-data-dir of our own with launch()), removed on close.
 */
export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}
