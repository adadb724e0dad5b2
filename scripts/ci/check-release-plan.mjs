// The version policy, checked on the release plan of every pending changeset (what
// `npm run version-packages` would apply):
//   - no package leaves 0.x by accident (a 0.x -> 1.0.0 bump needs RENDEZVOUS_ALLOW_MAJOR=1);
//   - the packages of each `linked` group that are released land on the same version.
// changesets gives a *major* bump to every package whose peer dependency is bumped out of its
// range, so on 0.x a minor bump of core would turn every transport into 1.0.0 — this catches it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import getReleasePlanModule from '@changesets/get-release-plan';
import { repoRoot } from './published-packages.mjs';

const getReleasePlan = getReleasePlanModule.default ?? getReleasePlanModule;
const plan = await getReleasePlan(repoRoot);
const config = JSON.parse(readFileSync(join(repoRoot, '.changeset', 'config.json'), 'utf8'));
const problems = [];

for (const r of plan.releases ?? []) {
  if (r.type === 'none') continue;
  console.log(`  ${r.name}: ${r.oldVersion} -> ${r.newVersion} (${r.type})`);
  const wasZero = r.oldVersion.startsWith('0.');
  if (wasZero && !r.newVersion.startsWith('0.') && process.env.RENDEZVOUS_ALLOW_MAJOR !== '1') {
    problems.push(`${r.name} would go ${r.oldVersion} -> ${r.newVersion}`);
  }
}
for (const group of config.linked ?? []) {
  const released = (plan.releases ?? []).filter((r) => r.type !== 'none' && group.includes(r.name));
  const versions = new Set(released.map((r) => r.newVersion));
  if (versions.size > 1) {
    problems.push(
      `linked packages would land on different versions: ${released.map((r) => `${r.name}@${r.newVersion}`).join(', ')}`,
    );
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(`  ✗ ${p}`);
  console.error(
    '  (on 0.x, a peer dependency bumped out of its range makes changesets bump the dependent major)',
  );
  process.exit(1);
}
console.log(
  `release plan: ${plan.changesets.length} pending changeset(s), within the version policy`,
);
