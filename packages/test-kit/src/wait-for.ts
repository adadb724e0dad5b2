/**
 * Polls `check` until it returns true, or fails after `timeoutMs` with `what` in the message.
 * Used where a real broker needs real time (group joins, claims); never as a fixed sleep.
 */
export async function waitFor(
  check: () => boolean,
  what: string,
  timeoutMs = 10_000,
  everyMs = 10,
): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
