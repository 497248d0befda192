import { defineConfig } from 'vitest/config'

// `npm run mutation`: the in-process tests only. Stryker switches mutants on inside the vitest
// process; tests that talk to a separately started server (Node, Bun, workerd, Chromium) would
// run the code with no mutant active, costing minutes per mutant and killing none.
export default defineConfig({
  test: {
    include: [
      'test/access-token.test.ts', 'test/account-flows.test.ts', 'test/bad-inputs.test.ts', 'test/bad-tokens.test.ts', 'test/path.test.ts', 'test/brute-force.test.ts', 'test/cognito-client.test.ts',
      'test/cognito-mode.test.ts', 'test/config.test.ts', 'test/faults.test.ts', 'test/flows.test.ts', 'test/gateway.test.ts',
      'test/seal.test.ts', 'test/session-lifetime.test.ts', 'test/store-contract.test.ts', 'test/token-endpoint.test.ts',
      'test/verified-cache.test.ts', 'test/signing-keys.test.ts', 'test/rules.test.ts', 'test/revoke.test.ts',
      'test/cognito-verifier.test.ts', 'test/token-verifiers.test.ts', 'test/sessions-core.test.ts', 'test/routes-more.test.ts', 'test/cognito-errors.test.ts',
      'test/gateway-headers.test.ts', 'test/gateway-paths.test.ts', 'test/limits-and-stores.test.ts', 'test/bearer-header.test.ts',
    ],
    globalSetup: ['test/support/global-setup.ts'],
    env: { FRESH_POOL_PER_FILE: '1' },
    // A mutant that hangs a request (a timeout switched off) fails its test here, not after 30 s.
    testTimeout: 10_000,
    hookTimeout: 60_000,
  },
})
