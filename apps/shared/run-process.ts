// One of the stack's small servers as its own process: start it, say where it listens, stop it
// cleanly on SIGTERM or SIGINT, and exit non-zero with the reason when it cannot start.
export function runUntilSignalled<R extends { stop(): Promise<void> }>(name: string, start: () => Promise<R>, describe: (running: R) => string): void {
  // A settings error thrown before the server starts is reported the same way as a failed start.
  Promise.resolve()
    .then(start)
    .then((running) => {
      console.log(`${name}: ${describe(running)}`);
      const stop = () => running.stop().then(() => process.exit(0), () => process.exit(1));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    })
    .catch((err) => {
      console.error(`${name} failed:`, err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
