// Sums Vitest JSON reports into the one closing line CI reads: "N passed, N failed".
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  // A stage that was killed (it hung past its bound) wrote no report: that is a failure, not nothing.
  if (!existsSync(file)) {
    console.error(`no report at ${file}: its stage did not finish`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  // A suite that failed to load has no failed tests of its own: count it once so it cannot pass unseen.
  const failedTests = report.numFailedTests ?? 0;
  failed += failedTests > 0 || report.success !== false ? failedTests : Math.max(1, report.numFailedTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
