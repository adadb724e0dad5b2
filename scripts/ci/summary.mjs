// Prints vitest's JSON report as one line: "N passed, N failed, N skipped".
// Usage: node scripts/ci/summary.mjs [REPORT]                 (default .vitest-report.json)
//        node scripts/ci/summary.mjs LABEL=REPORT LABEL=REPORT ...
// With labelled reports (one per Node runtime), one "LABEL: N passed, ..." line per report comes
// first, and the last line is the sum over all of them, in the same one-line form. A missing
// report counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

function count(file) {
  if (!existsSync(file)) {
    console.error(`no vitest report at ${file}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const failedSuites = (report.testResults ?? []).filter(
    (r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0,
  ).length;
  const passed = report.numPassedTests ?? 0;
  let failed = (report.numFailedTests ?? 0) + failedSuites;
  // vitest marks a run unsuccessful on unhandled errors even when every test passed.
  if (report.success === false && failed === 0) failed = 1;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  return { passed, failed, skipped };
}

function line({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

const args = process.argv.slice(2);
const runs = (args.length ? args : ['.vitest-report.json']).map((arg) => {
  const at = arg.indexOf('=');
  return at > 0 ? { label: arg.slice(0, at), file: arg.slice(at + 1) } : { file: arg };
});
const total = { passed: 0, failed: 0, skipped: 0 };
for (const run of runs) {
  const c = count(run.file);
  if (run.label) console.log(`${run.label}: ${line(c)}`);
  for (const k of Object.keys(total)) total[k] += c[k];
}
console.log(line(total));
