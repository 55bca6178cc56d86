/** Ordered cleanup: callbacks run in reverse registration order (last opened, first closed). */
export type Shutdown = {
  /** Register a cleanup step; returns a function that unregisters it. */
  add(name: string, fn: () => Promise<void> | void): () => void;
  /** Run every step once (later calls return the same promise). Errors are collected, not thrown. */
  run(reason: string): Promise<{ reason: string; errors: { name: string; error: unknown }[] }>;
  readonly isShuttingDown: boolean;
};

export function createShutdown(): Shutdown {
  const steps: { name: string; fn: () => Promise<void> | void }[] = [];
  let running: ReturnType<Shutdown['run']> | undefined;
  return {
    add(name, fn) {
      const step = { name, fn };
      steps.push(step);
      return () => {
        const i = steps.indexOf(step);
        if (i >= 0) steps.splice(i, 1);
      };
    },
    run(reason) {
      running ??= (async () => {
        const errors: { name: string; error: unknown }[] = [];
        for (const step of [...steps].reverse()) {
          try {
            await step.fn();
          } catch (error) {
            errors.push({ name: step.name, error });
          }
        }
        return { reason, errors };
      })();
      return running;
    },
    get isShuttingDown() {
      return running !== undefined;
    },
  };
}
