import type { Lookup } from '../../src/modules/notifications/ssrf';

/** A DNS resolver for the webhook guard: answers each lookup with the next list (the last one repeats), counting them. */
export function resolver(...answers: string[][]): Lookup & { count: number } {
  const lookup = Object.assign(async () => {
    const list = answers[Math.min(lookup.count, answers.length - 1)]!;
    lookup.count += 1;
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  }, { count: 0 });
  return lookup;
}
