import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Packages whose client needs a newer Node than the oldest one CI runs the suite on (Node 20):
 * their tests are left out there (not skipped: they are not collected at all), and run on the
 * pinned Node 22 and 24 (scripts/ci/node-runtimes.mjs), where `CI=true` makes a missing
 * service an error as everywhere else. `@platformatic/kafka` declares `>= 22.22.0 || >= 24.6.0`.
 */
const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number);
const nodeAtLeast = (major: number, minor: number) =>
  nodeMajor > major || (nodeMajor === major && nodeMinor >= minor);
const tooNewForThisNode = nodeAtLeast(22, 22) ? [] : ['packages/transport-kafka-platformatic/**'];

const src = (pkg: string) =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // Before the core itself: an alias also matches the subpaths of its name.
      '@rendezvous-ml/core/transport': fileURLToPath(
        new URL('./packages/core/src/adapter/index.ts', import.meta.url),
      ),
      '@rendezvous-ml/core/wire': fileURLToPath(
        new URL('./packages/core/src/wire/index.ts', import.meta.url),
      ),
      '@rendezvous-ml/core': src('core'),
      '@rendezvous-ml/transport-memory': src('transport-memory'),
      '@rendezvous-ml/transport-redis': src('transport-redis'),
      '@rendezvous-ml/transport-kafka/kit': fileURLToPath(
        new URL('./packages/transport-kafka/src/kit.ts', import.meta.url),
      ),
      '@rendezvous-ml/transport-kafka-platformatic': src('transport-kafka-platformatic'),
      '@rendezvous-ml/transport-kafka': src('transport-kafka'),
      '@rendezvous-ml/transport-nats': src('transport-nats'),
      '@rendezvous-ml/archiver-elasticsearch': src('archiver-elasticsearch'),
      '@rendezvous-ml/test-kit': src('test-kit'),
      '@rendezvous-ml/scorecard': src('scorecard'),
      '@rendezvous-ml/replay/cli-kit': fileURLToPath(
        new URL('./packages/replay/src/cli-kit.ts', import.meta.url),
      ),
      '@rendezvous-ml/replay': src('replay'),
      '@rendezvous-ml/rollout': src('rollout'),
      '@rendezvous-ml/dashboard': src('dashboard'),
      '@rendezvous-ml/opentelemetry': src('opentelemetry'),
      '@rendezvous-ml/prometheus': src('prometheus'),
    },
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'chaos/test/**/*.test.ts',
      'python/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
    ],
    exclude: [...configDefaults.exclude, ...tooNewForThisNode],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration files start real brokers (JVMs) and kill/restart them: on a 2-core machine
    // they are more reliable one at a time. Unit files are fast enough to run in sequence too.
    fileParallelism: false,
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: '.vitest-report.json' }]]
      : ['default'],
  },
});
