import fc from 'fast-check';
import {
  ACCESS_STATES,
  type AcceptanceFact,
  type AccessPolicy,
  type AccessState,
  canMove,
  effectiveState,
  evaluateAccessPolicy,
  type NdaPolicy,
  ndaSatisfied,
} from '../../src/domain/access';
import { canonicalJson, type ChainedEventContent, eventHash, GENESIS_HASH, type StoredEvent, verifyChain } from '../../src/domain/audit-chain';

// ---- the state machine ---------------------------------------------------------------------------------------------

describe('access request transitions', () => {
  const allowed = new Set(['REQUESTED->APPROVED', 'REQUESTED->DENIED', 'APPROVED->REVOKED', 'APPROVED->EXPIRED']);
  const pairs = ACCESS_STATES.flatMap((from) => ACCESS_STATES.map((to) => [from, to] as [AccessState, AccessState]));

  test('the table covers every pair of the five states', () => {
    expect(pairs).toHaveLength(25);
  });

  test.each(pairs)('%s -> %s', (from, to) => {
    expect(canMove(from, to)).toBe(allowed.has(`${from}->${to}`));
  });

  test('DENIED, REVOKED and EXPIRED are final', () => {
    for (const final of ['DENIED', 'REVOKED', 'EXPIRED'] as const) {
      expect(ACCESS_STATES.filter((to) => canMove(final, to))).toEqual([]);
    }
  });
});

describe('effectiveState', () => {
  const expiry = new Date('2026-06-30T12:00:00.000Z');
  const at = (ms: number) => new Date(expiry.getTime() + ms);

  test('an APPROVED grant reads APPROVED until its expiry, EXPIRED from the expiry instant on', () => {
    expect(effectiveState('APPROVED', expiry, at(-1))).toBe('APPROVED');
    expect(effectiveState('APPROVED', expiry, at(0))).toBe('EXPIRED');
    expect(effectiveState('APPROVED', expiry, at(1))).toBe('EXPIRED');
    expect(effectiveState('APPROVED', expiry, at(365 * 24 * 3600 * 1000))).toBe('EXPIRED');
  });

  test('an APPROVED request without an expiry stays APPROVED', () => {
    expect(effectiveState('APPROVED', null, at(10 ** 12))).toBe('APPROVED');
  });

  test.each(['REQUESTED', 'DENIED', 'REVOKED', 'EXPIRED'] as const)('%s is never rewritten, even past the expiry', (state) => {
    expect(effectiveState(state, expiry, at(1000))).toBe(state);
    expect(effectiveState(state, null, at(1000))).toBe(state);
  });
});

// ---- the vendor's policy -------------------------------------------------------------------------------------------

describe('evaluateAccessPolicy', () => {
  const none: AccessPolicy = { autoApproveDomains: [], autoApproveOrgIds: [], blockedDomains: [], blockFreeMailDomains: false };
  const requester = (email: string, orgId = 'org-1') => ({ email, orgId });

  test('no rule: a person decides', () => {
    expect(evaluateAccessPolicy(none, requester('pat@acme.com'))).toEqual({ kind: 'MANUAL' });
  });

  test('a blocked domain beats an auto-approved domain and a listed organization', () => {
    const policy = { ...none, autoApproveDomains: ['acme.com'], autoApproveOrgIds: ['org-1'], blockedDomains: ['acme.com'] };
    expect(evaluateAccessPolicy(policy, requester('pat@acme.com'))).toEqual({ kind: 'BLOCKED', code: 'BLOCKED_DOMAIN', rule: 'blocked domain acme.com' });
  });

  test('a blocked free mail domain beats a listed organization', () => {
    const policy = { ...none, autoApproveOrgIds: ['org-1'], blockFreeMailDomains: true };
    expect(evaluateAccessPolicy(policy, requester('pat@gmail.com'))).toMatchObject({ kind: 'BLOCKED', code: 'FREE_MAIL_DOMAIN' });
  });

  test('domains match themselves and their subdomains, not look-alikes', () => {
    const policy = { ...none, autoApproveDomains: ['acme.com'], blockedDomains: ['evil.org'] };
    expect(evaluateAccessPolicy(policy, requester('pat@acme.com'))).toEqual({ kind: 'AUTO_APPROVE', rule: 'verified email domain acme.com' });
    expect(evaluateAccessPolicy(policy, requester('pat@eu.acme.com'))).toEqual({ kind: 'AUTO_APPROVE', rule: 'verified email domain acme.com' });
    expect(evaluateAccessPolicy(policy, requester('pat@a.b.acme.com'))).toMatchObject({ kind: 'AUTO_APPROVE' });
    expect(evaluateAccessPolicy(policy, requester('pat@notacme.com'))).toEqual({ kind: 'MANUAL' });
    expect(evaluateAccessPolicy(policy, requester('pat@acme.com.evil.net'))).toEqual({ kind: 'MANUAL' });
    expect(evaluateAccessPolicy(policy, requester('pat@mail.evil.org'))).toEqual({ kind: 'BLOCKED', code: 'BLOCKED_DOMAIN', rule: 'blocked domain evil.org' });
    expect(evaluateAccessPolicy(policy, requester('pat@notevil.org'))).toEqual({ kind: 'MANUAL' });
  });

  test('matching is case-insensitive on both the email and the rule', () => {
    const policy = { ...none, autoApproveDomains: ['Acme.COM'], blockedDomains: ['EVIL.org'] };
    expect(evaluateAccessPolicy(policy, requester('Pat@EU.ACME.com'))).toMatchObject({ kind: 'AUTO_APPROVE' });
    expect(evaluateAccessPolicy(policy, requester('Pat@Evil.Org'))).toMatchObject({ kind: 'BLOCKED', code: 'BLOCKED_DOMAIN' });
    expect(evaluateAccessPolicy({ ...none, blockFreeMailDomains: true }, requester('Pat@GMail.COM'))).toMatchObject({ kind: 'BLOCKED', code: 'FREE_MAIL_DOMAIN' });
  });

  test('free mail domains are refused only when the policy says so', () => {
    expect(evaluateAccessPolicy({ ...none, blockFreeMailDomains: true }, requester('pat@gmail.com')))
      .toEqual({ kind: 'BLOCKED', code: 'FREE_MAIL_DOMAIN', rule: 'free mail domain gmail.com' });
    expect(evaluateAccessPolicy({ ...none, blockFreeMailDomains: false }, requester('pat@gmail.com'))).toEqual({ kind: 'MANUAL' });
    expect(evaluateAccessPolicy({ ...none, blockFreeMailDomains: true }, requester('pat@acme.com'))).toEqual({ kind: 'MANUAL' });
  });

  test('a listed customer organization is approved whatever its email domain', () => {
    const policy = { ...none, autoApproveOrgIds: ['org-1', 'org-2'] };
    expect(evaluateAccessPolicy(policy, requester('pat@anything.io', 'org-2'))).toEqual({ kind: 'AUTO_APPROVE', rule: 'listed customer organization' });
    expect(evaluateAccessPolicy(policy, requester('pat@anything.io', 'org-3'))).toEqual({ kind: 'MANUAL' });
  });
});

// ---- NDA rules -----------------------------------------------------------------------------------------------------

describe('ndaSatisfied', () => {
  const policy: NdaPolicy = { required: true, currentTemplateId: 'v2', scope: 'ORGANIZATION', reacceptOnNewVersion: true };
  const clickwrap = (templateId: string, signerUserId: string): AcceptanceFact => ({ source: 'CLICKWRAP', templateId, signerUserId });
  const onFile: AcceptanceFact = { source: 'ON_FILE', templateId: null, signerUserId: null };

  test('nothing to accept when the NDA is not required', () => {
    expect(ndaSatisfied({ ...policy, required: false }, [], 'u1')).toBe(true);
  });

  test('required but none published yet: fails closed (only an NDA on file satisfies it)', () => {
    expect(ndaSatisfied({ ...policy, currentTemplateId: null }, [], 'u1')).toBe(false);
    expect(ndaSatisfied({ ...policy, currentTemplateId: null }, [onFile], 'u1')).toBe(true);
  });

  test('required with no acceptance: not satisfied', () => {
    expect(ndaSatisfied(policy, [], 'u1')).toBe(false);
  });

  test('an NDA on file covers everyone in the organization, for every version and either scope', () => {
    for (const scope of ['USER', 'ORGANIZATION'] as const) {
      for (const reacceptOnNewVersion of [true, false]) {
        expect(ndaSatisfied({ ...policy, scope, reacceptOnNewVersion }, [onFile], 'anyone')).toBe(true);
      }
    }
  });

  test('USER scope: the signer is covered, a colleague is not', () => {
    const userScope = { ...policy, scope: 'USER' as const };
    expect(ndaSatisfied(userScope, [clickwrap('v2', 'u1')], 'u1')).toBe(true);
    expect(ndaSatisfied(userScope, [clickwrap('v2', 'u1')], 'u2')).toBe(false);
  });

  test('ORGANIZATION scope: one signature covers colleagues', () => {
    expect(ndaSatisfied(policy, [clickwrap('v2', 'u1')], 'u2')).toBe(true);
  });

  test('re-acceptance on: only the current version counts; off: any version counts', () => {
    const old = [clickwrap('v1', 'u1')];
    expect(ndaSatisfied(policy, old, 'u1')).toBe(false);
    expect(ndaSatisfied({ ...policy, reacceptOnNewVersion: false }, old, 'u1')).toBe(true);
    expect(ndaSatisfied({ ...policy, reacceptOnNewVersion: false }, old, 'u2')).toBe(true);
    expect(ndaSatisfied({ ...policy, reacceptOnNewVersion: false, scope: 'USER' }, old, 'u2')).toBe(false);
    expect(ndaSatisfied(policy, [...old, clickwrap('v2', 'u1')], 'u1')).toBe(true);
  });
});

// ---- the audit chain -----------------------------------------------------------------------------------------------

describe('canonicalJson', () => {
  test('object key order does not matter, at any depth', () => {
    const a = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } };
    const b = { a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  test('array order and values do matter; undefined members are dropped', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson(undefined)).toBe('null');
  });

  test('property: any permutation of the keys gives the same text', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
    );
  });
});

const ORG = '00000000-0000-4000-8000-000000000001';

function content(seq: number, details: unknown = { n: seq }, action = 'access.requested'): ChainedEventContent {
  return {
    orgId: ORG, seq, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), action, actorUserId: null,
    actorEmail: 'pat@acme.com', actorOrgId: null, targetType: 'access_request', targetId: `r-${seq}`, ip: '127.0.0.1', details,
  };
}

/** Appends like audit.service does: seq from the last link, prevHash = the last hash. */
function append(chain: StoredEvent[], make: (seq: number) => ChainedEventContent = (seq) => content(seq)): StoredEvent[] {
  const prevHash = chain.at(-1)?.hash ?? GENESIS_HASH;
  const c = make(chain.length + 1);
  return [...chain, { ...c, prevHash, hash: eventHash(prevHash, c) }];
}

function chainOf(n: number): StoredEvent[] {
  let chain: StoredEvent[] = [];
  for (let i = 0; i < n; i += 1) chain = append(chain);
  return chain;
}

/** The event with its hash recomputed over its (changed) content, keeping its prevHash. */
function rehash(e: StoredEvent): StoredEvent {
  const { prevHash, hash: _old, ...c } = e;
  return { ...e, hash: eventHash(prevHash, c) };
}

describe('verifyChain', () => {
  test('an intact chain (and an empty one) verifies', () => {
    expect(verifyChain([])).toBeNull();
    const chain = chainOf(5);
    expect(chain[0]!.prevHash).toBe(GENESIS_HASH);
    expect(chain.slice(1).every((e, i) => e.prevHash === chain[i]!.hash)).toBe(true);
    expect(verifyChain(chain)).toBeNull();
  });

  test('verification can resume from a verified link', () => {
    const chain = chainOf(6);
    expect(verifyChain(chain.slice(3), chain[2]!.hash, 4)).toBeNull();
    expect(verifyChain(chain.slice(3), GENESIS_HASH, 4)).toEqual({ seq: 4, reason: 'PREVIOUS_HASH_MISMATCH' });
  });

  test.each([
    ['details', { details: { n: 99 } }],
    ['action', { action: 'access.approved' }],
    ['actor', { actorEmail: 'mallory@evil.org' }],
    ['target', { targetId: 'someone-else' }],
    ['time', { occurredAt: '2026-01-01T00:00:03.001Z' }],
    ['ip', { ip: '10.0.0.1' }],
  ])('a changed %s is a HASH_MISMATCH at that seq', (_field, change) => {
    const chain = chainOf(5);
    chain[2] = { ...chain[2]!, ...change };
    expect(verifyChain(chain)).toEqual({ seq: 3, reason: 'HASH_MISMATCH' });
  });

  test('a removed event is a SEQUENCE_GAP at the next seq', () => {
    const chain = chainOf(5);
    chain.splice(2, 1);
    expect(verifyChain(chain)).toEqual({ seq: 4, reason: 'SEQUENCE_GAP' });
  });

  test('a removed first event is a SEQUENCE_GAP at seq 2', () => {
    expect(verifyChain(chainOf(3).slice(1))).toEqual({ seq: 2, reason: 'SEQUENCE_GAP' });
  });

  test('reordered events are detected, whether or not their seq numbers are rewritten', () => {
    const chain = chainOf(5);
    const swapped = [chain[0]!, chain[2]!, chain[1]!, chain[3]!, chain[4]!];
    expect(verifyChain(swapped)).toEqual({ seq: 3, reason: 'SEQUENCE_GAP' });
    const renumbered = [chain[0]!, { ...chain[2]!, seq: 2 }, { ...chain[1]!, seq: 3 }, chain[3]!, chain[4]!];
    expect(verifyChain(renumbered)).toEqual({ seq: 2, reason: 'PREVIOUS_HASH_MISMATCH' });
  });

  test('a forged event with its own hash recomputed still breaks the next link', () => {
    const chain = chainOf(5);
    chain[2] = rehash({ ...chain[2]!, details: { n: 'forged' } });
    expect(verifyChain(chain)).toEqual({ seq: 4, reason: 'PREVIOUS_HASH_MISMATCH' });
    // Relinking the next event to the forgery without recomputing it moves the break one step, it does not hide it.
    chain[3] = { ...chain[3]!, prevHash: chain[2]!.hash };
    expect(verifyChain(chain)).toEqual({ seq: 4, reason: 'HASH_MISMATCH' });
  });

  test('a forged first event that is recomputed but not linked to the genesis hash is refused', () => {
    const chain = chainOf(3);
    chain[0] = rehash({ ...chain[0]!, prevHash: 'f'.repeat(64) });
    expect(verifyChain(chain)).toEqual({ seq: 1, reason: 'PREVIOUS_HASH_MISMATCH' });
  });

  const detailsArb = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
  const eventsArb = fc.array(fc.record({ action: fc.constantFrom('nda.accepted', 'access.requested', 'document.downloaded'), details: detailsArb }), { minLength: 1, maxLength: 20 });

  test('property: appending any events then verifying is always valid', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        let chain: StoredEvent[] = [];
        for (const e of events) chain = append(chain, (seq) => content(seq, e.details, e.action));
        expect(verifyChain(chain)).toBeNull();
      }),
    );
  });

  test("property: changing any one event's details breaks the chain exactly at that seq", () => {
    fc.assert(
      fc.property(eventsArb, fc.nat(), fc.jsonValue({ maxDepth: 2 }), (events, pick, extra) => {
        let chain: StoredEvent[] = [];
        for (const e of events) chain = append(chain, (seq) => content(seq, e.details, e.action));
        const i = pick % chain.length;
        // Wrapping always changes the canonical text: no finite value equals itself wrapped.
        chain[i] = { ...chain[i]!, details: { tampered: chain[i]!.details, extra } };
        expect(verifyChain(chain)).toEqual({ seq: i + 1, reason: 'HASH_MISMATCH' });
      }),
    );
  });
});
