// Counts passed and failed test cases in JUnit XML reports written by
// `bun test --reporter=junit`, prints "N passed, M failed", and exits 1 when
// any failed or no test ran at all.
import { readFileSync, existsSync } from "node:fs";

let passed = 0;
let failed = 0;
let missing = 0;
const args = process.argv.slice(2);
let runnerStatuses = [];
let extraFailures = 0;
for (;;) {
  if (args[0] === "--runner-status") {
    runnerStatuses = args[1].split(",").map(Number);
    args.splice(0, 2);
  } else if (args[0] === "--extra-failures") {
    extraFailures = Number(args[1]) || 0;
    args.splice(0, 2);
  } else break;
}
for (const file of args) {
  if (!existsSync(file)) {
    missing++;
    continue;
  }
  const xml = readFileSync(file, "utf8");
  // Each <testcase ...> is either self-closing (passed) or has children:
  // <failure>/<error> (failed) or <skipped> (neither).
  const cases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
  for (const c of cases) {
    if (/<(failure|error)\b/.test(c)) failed++;
    else if (/<skipped\b/.test(c)) continue;
    else passed++;
  }
}
// A report that was never written means that run crashed: count it as a failure.
failed += missing;
const failedRuns = runnerStatuses.filter((s) => s !== 0).length;
if (failed === 0 && failedRuns > 0) failed = failedRuns;
failed += extraFailures;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
