/**
 * What a process has started, to be stopped in reverse order: on a signal, and also when
 * the start fails half-way (so that a failed start leaves nothing behind). Each step is
 * awaited in turn; one that fails is reported and the others still run.
 */
export class ShutdownSteps {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];

  /** Registers how to stop something just started. */
  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /** Runs every step once, last registered first. */
  async runAll(onFailure: (name: string, err: unknown) => void, onDone?: (name: string, ms: number) => void): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      const started = Date.now();
      try {
        await step.run();
      } catch (err) {
        onFailure(step.name, err);
      }
      onDone?.(step.name, Date.now() - started);
    }
  }
}
