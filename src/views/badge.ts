import { createHash } from 'node:crypto';
import type { FreshnessState } from '../domain/freshness';
import { escapeHtml } from './html';
import { FRESHNESS_WORDS } from './words';

/**
 * A freshness badge ("SOC 2 Type II | current") as an SVG image and as shields.io's endpoint-badge JSON. Colour follows
 * the state (green current, amber expiring soon, red stale, grey none), and the state is also the badge's text and its
 * accessible title, so colour is never the only signal.
 */
export type BadgeState = FreshnessState;

const COLOURS: Record<BadgeState, { hex: string; shields: string }> = {
  CURRENT: { hex: '#2e7d32', shields: 'green' },
  EXPIRING_SOON: { hex: '#8a4b00', shields: 'orange' },
  STALE: { hex: '#c62828', shields: 'red' },
  NONE: { hex: '#5f6368', shields: 'lightgrey' },
};

export interface Badge {
  label: string;
  state: BadgeState;
}

/** Width of text in 11px Verdana (shields.io's font), from per-character advance widths rounded to classes. */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    if ('il.,:;|!\'`'.includes(ch)) w += 3.7;
    else if ('fjrtI()[] /'.includes(ch)) w += 4.6;
    else if ('mwMW'.includes(ch)) w += 10.7;
    else if (ch >= 'A' && ch <= 'Z') w += 7.5;
    else w += 6.9;
  }
  return Math.ceil(w);
}

export function badgeSvg(badge: Badge): string {
  const message = FRESHNESS_WORDS[badge.state];
  const colour = COLOURS[badge.state].hex;
  const lw = textWidth(badge.label) + 12;
  const mw = textWidth(message) + 12;
  const total = lw + mw;
  const title = escapeHtml(`${badge.label}: ${message}`);
  const label = escapeHtml(badge.label);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    `<rect width="${lw}" height="20" fill="#444"/>`,
    `<rect x="${lw}" width="${mw}" height="20" fill="${colour}"/>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">`,
    `<text x="${lw / 2}" y="14">${label}</text>`,
    `<text x="${lw + mw / 2}" y="14">${escapeHtml(message)}</text>`,
    `</g></svg>`,
  ].join('');
}

/** shields.io endpoint badge: https://shields.io/badges/endpoint-badge */
export function badgeShieldsJson(badge: Badge): { schemaVersion: 1; label: string; message: string; color: string } {
  return { schemaVersion: 1, label: badge.label, message: FRESHNESS_WORDS[badge.state], color: COLOURS[badge.state].shields };
}

export function badgeEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
