import { containerLimitMb, DEFAULT_OLD_SPACE_MB, heapPlan, SEMI_SPACE_MB, type HeapInputs } from '../../src/runtime/heap';

const GB = 1024 ** 3;
const machine = (over: Partial<HeapInputs> = {}): HeapInputs => ({ nodeOptions: undefined, execArgv: [], constrainedBytes: 2 ** 64, totalBytes: 24 * GB, ...over });

describe('the server memory budget (heapPlan)', () => {
  it('without a container limit: the default old generation and semi-space', () => {
    const plan = heapPlan(machine());
    expect(plan.flags).toEqual([`--max-old-space-size=${DEFAULT_OLD_SPACE_MB}`, `--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(plan.reason).toContain('no container memory limit');
  });

  it('in a container with a memory limit, the old generation is left to Node (which sizes it from the limit)', () => {
    const plan = heapPlan(machine({ constrainedBytes: 1 * GB }));
    expect(plan.flags).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(plan.reason).toContain('1024 MB container limit');
  });

  it.each([
    ['NODE_OPTIONS', { nodeOptions: '--enable-source-maps --max-old-space-size=1024' }],
    ['NODE_OPTIONS, underscores and a space', { nodeOptions: '--max_old_space_size 1024' }],
    ['the command line', { execArgv: ['--max-old-space-size=1024'] }],
  ])('an old generation size given in %s is kept', (_where, over) => {
    const plan = heapPlan(machine(over));
    expect(plan.flags).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(plan.reason).toContain('old generation as given');
  });

  it('both sizes given: nothing to add', () => {
    expect(heapPlan(machine({ execArgv: ['--max-old-space-size=512', '--max-semi-space-size=32'] })).flags).toEqual([]);
  });

  it.each([
    [undefined, null],
    [0, null],
    [2 ** 64, null],
    [24 * GB, null],
    [512 * 1024 * 1024, 512],
  ])('a constrained memory of %p bytes is a container limit of %p MB', (constrainedBytes, expected) => {
    expect(containerLimitMb({ constrainedBytes, totalBytes: 24 * GB })).toBe(expected);
  });
});
