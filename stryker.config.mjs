// @ts-check
/**
 * `npm run mutation`: mutation testing of the security core (issue 12). Not part of `npm test`
 * or CI: too slow on 2 cores. Incremental: a re-run after a small change tests only what changed.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  mutate: [
    'src/tokens/**/*.ts',
    'src/sessions/**/*.ts',
    'src/http/bearer.ts',
    'src/http/attempt-limits.ts',
    'src/http/cognito-errors.ts',
    'src/cognito/errors.ts',
    'src/cognito/client.ts',
    'src/stores/**/*.ts',
    'src/routes/session.ts',
    'src/routes/password.ts',
    'src/routes/account.ts',
    'src/gateway/path.ts',
    'src/gateway/rules.ts',
    'src/gateway/forward.ts',
    'src/gateway/gateway.ts',
    'src/encoding.ts',
    'src/http/validate.ts',
  ],
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Stryker splits this between TypeScript checkers and test runners: 4 gives two of each.
  concurrency: 4,
  // Beyond a test's own time in the dry run: a mutant that hangs counts as killed (Timeout) after this.
  timeoutMS: 5000,
  tempDirName: 'reports/.stryker-tmp',
}
