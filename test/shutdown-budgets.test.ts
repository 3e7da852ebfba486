import { ShutdownBudget, WORKER_STOP_BUDGET_MS, WORKER_STOP_STEPS } from '@quorumd/queue';

/** A stop whose steps each take as long as they are allowed (or `overrun` ms more than asked, cut off at their bound). */
function stopWithSlowSteps(deadlineInMs: number, takes: (allowed: number) => number) {
  let now = 1_000_000;
  const budget = new ShutdownBudget(WORKER_STOP_STEPS, now + deadlineInMs, () => now);
  const allowed: Record<string, number> = {};
  for (const [step] of WORKER_STOP_STEPS) {
    allowed[step] = budget.msFor(step);
    now += Math.min(allowed[step]!, takes(allowed[step]!));
  }
  return { allowed, endedAfterMs: now - 1_000_000 };
}

/**
 * The worker's graceful stop steps share one deadline below the process's kill timeout (10 s):
 * however slow each step is, the last one ends by the deadline, each step has its share, and
 * time a quick step leaves goes to the next.
 */
describe('shutdown budgets', () => {
  it('the worker’s graceful steps, each as slow as it may be, end by one deadline below the 10 s stop deadline', () => {
    expect(WORKER_STOP_BUDGET_MS).toBeLessThan(10_000);
    const { allowed, endedAfterMs } = stopWithSlowSteps(WORKER_STOP_BUDGET_MS, () => Infinity);
    expect(endedAfterMs).toBeLessThanOrEqual(WORKER_STOP_BUDGET_MS);
    for (const [step] of WORKER_STOP_STEPS) expect(allowed[step]).toBeGreaterThan(0);
    // Jobs in hand get the largest share.
    expect(Math.max(...Object.values(allowed))).toBe(allowed.deliveries);
  });

  it('a step that finishes early leaves its time to the next ones; a step past its share gets nothing more', () => {
    const quick = stopWithSlowSteps(8000, () => 0);
    expect(quick.endedAfterMs).toBe(0);
    let now = 0;
    const budget = new ShutdownBudget([['first', 1], ['second', 1]] as const, 1000, () => now);
    now = 100; // the first took 100 of its 500 ms
    expect(budget.msFor('second')).toBe(900);
    now = 1200;
    expect(budget.msFor('second')).toBe(0);
  });
});
