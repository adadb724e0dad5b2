/** Whether a service that cannot start fails the run (CI) rather than skipping its suite. */
export function servicesRequired(): boolean {
  return (
    process.env.CI === 'true' ||
    process.env.CI === '1' ||
    process.env.RENDEZVOUS_REQUIRE_SERVICES === '1'
  );
}

/** A started service, or why it could not start. */
export type ServiceGate<T> =
  | { readonly ok: true; readonly service: T }
  | { readonly ok: false; readonly reason: string };

/**
 * Starts a real service for a test file. Locally, a service that cannot start skips the suite
 * with the reason printed; under `CI=true` or `RENDEZVOUS_REQUIRE_SERVICES=1` it fails the run.
 *
 * ```ts
 * const redis = await requireService('redis-server', () => startRedisServer());
 * describe.skipIf(!redis.ok)('redis transport', () => { ... });
 * ```
 */
export async function requireService<T>(
  name: string,
  start: () => Promise<T>,
): Promise<ServiceGate<T>> {
  try {
    return { ok: true, service: await start() };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (servicesRequired()) {
      throw new Error(
        `${name} could not start and services are required (CI=true or RENDEZVOUS_REQUIRE_SERVICES=1): ${reason}`,
      );
    }
    console.warn(`\n*** SKIPPING the ${name} suites: ${name} could not start: ${reason}\n`);
    return { ok: false, reason };
  }
}
