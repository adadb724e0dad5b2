import { spawnSync } from 'node:child_process';
import { servicesRequired } from '@rendezvous-ml/test-kit';

/** A Python interpreter that can import what a test needs, or why there is none. */
export type PythonGate =
  | { readonly ok: true; readonly python: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Finds a Python 3 that imports every module of `modules`: `$RENDEZVOUS_PYTHON`, then
 * `/usr/bin/python3` (Debian's packages: python3-redis, python3-confluent-kafka, python3-sklearn),
 * then `python3` on the PATH. Locally a missing one skips the suite with the reason; under
 * `CI=true` (or `RENDEZVOUS_REQUIRE_SERVICES=1`) it throws, so the run fails.
 *
 * @example
 * ```ts
 * const py = findPython(['redis']);
 * describe.skipIf(!py.ok)('python worker', () => {});
 * ```
 */
export function findPython(modules: readonly string[]): PythonGate {
  const candidates = [process.env.RENDEZVOUS_PYTHON, '/usr/bin/python3', 'python3'].filter(
    (c): c is string => typeof c === 'string' && c !== '',
  );
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
    if (r.status === 0) return { ok: true, python };
    tried.push(`${python}: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`);
  }
  const reason = `no Python 3 imports ${modules.join(', ')} (apt-get install python3-redis python3-confluent-kafka python3-sklearn python3-numpy; or set RENDEZVOUS_PYTHON). Tried: ${tried.join('; ')}`;
  if (servicesRequired()) throw new Error(`${reason}; and services are required (CI=true)`);
  console.warn(`\n*** SKIPPING the Python worker suites: ${reason}\n`);
  return { ok: false, reason };
}
