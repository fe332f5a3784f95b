/**
 * A vitest reporter that ends the run with the plain line `N passed, N failed` (and `, N skipped`)
 * that CI reads. A test file that fails to load (a syntax error, a throwing import) has no tests to
 * count, so it counts as one failure: a broken suite must never look green.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class PassedFailedReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<unknown>,
  ): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let counted = 0;
      for (const test of mod.children.allTests()) {
        counted++;
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      const moduleFailed = mod.state() === 'failed';
      if (moduleFailed && counted === 0) failed++;
      else if (moduleFailed && !mod.ok()) {
        // Errors outside any test (e.g. in a hook at file level) without a failing test.
        const anyFailedTest = [...mod.children.allTests()].some(
          (t) => t.result().state === 'failed',
        );
        if (!anyFailedTest) failed++;
      }
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
