/** The clean-ups of the services this process started and has not disposed of yet. */
const pending = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const cleanUp of [...pending]) {
    pending.delete(cleanUp);
    try {
      cleanUp();
    } catch {
      // the process is ending: nothing is left to tell
    }
  }
}

/**
 * Runs `cleanUp` (synchronous: kill the service, remove its folder) if the test process ends
 * before the service is disposed of: at exit, or on the SIGTERM with which vitest ends a test
 * file's process when nothing else in the process handles SIGTERM (vitest runs no `afterAll`
 * in a file whose tests a `-t` filter skipped, so a service started at the top of that file
 * would be left running). Returns the function that unregisters it, for `dispose()`.
 */
export function cleanUpOnExit(cleanUp: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', runAll);
    // Only where SIGTERM would end the process at once: a process with a handler of its own
    // (the bench's and chaos's runners stop their scenario first) keeps its shutdown, and the
    // services are cleaned up at its exit.
    process.once('SIGTERM', () => {
      if (process.listenerCount('SIGTERM') > 0) return;
      runAll();
      process.exit(143);
    });
  }
  pending.add(cleanUp);
  return () => void pending.delete(cleanUp);
}
