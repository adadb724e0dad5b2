/**
 * A promise that a test opens by hand: scenario predictions wait on it, so "in flight" means
 * in flight for as long as the test needs, without sleeps.
 *
 * @example
 * ```ts
 * const hold = openGate();
 * const predict = async (x: number) => { await hold.wait; return x; };
 * hold.open();
 * ```
 */
export function openGate(): { readonly wait: Promise<void>; readonly open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open: () => open() };
}
