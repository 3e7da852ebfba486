/**
 * One deadline shared by ordered stop steps: each step has a share (its weight) of the
 * whole, and must be done by the time the shares up to and including its own have passed;
 * time a step leaves unused goes to the ones after it. However long each step tries to
 * take, the last one ends by the deadline.
 */
export class ShutdownBudget<Step extends string> {
  private readonly ends = new Map<Step, number>();

  constructor(
    weights: readonly (readonly [Step, number])[],
    /** When the last step must be done (epoch ms). */
    readonly deadline: number,
    private readonly clock: () => number = Date.now,
  ) {
    const start = clock();
    const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
    let before = 0;
    for (const [step, weight] of weights) {
      before += weight;
      this.ends.set(step, start + ((deadline - start) * before) / total);
    }
  }

  /** How long `step` may take from now: until its share of the deadline has passed (0 once it has). */
  msFor(step: Step): number {
    return Math.max(0, Math.floor((this.ends.get(step) ?? this.deadline) - this.clock()));
  }
}
