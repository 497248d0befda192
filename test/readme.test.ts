// The README's curl walk-through, run as it is written against a real Node server.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseRoutes } from '../src/gateway/rules'
import { codeFor, testEnv } from './support/harness'
import { CADDY_SITE, NGINX_LOCATIONS } from './support/proxies'
import { startRuntime, type Running } from './support/runtime'

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8')
const section = readme.split('## Try it with curl')[1]!.split('\n## ')[0]!
const [signup, rest] = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!)

let server: Running
beforeAll(async () => {
  server = await startRuntime('node', testEnv())
}, 60_000)
afterAll(() => server?.stop())

it('works as written: sign up, confirm, sign in, demo page, me, refresh, sign out, both tokens refused', async () => {
  expect(signup).toContain('BASE=http://127.0.0.1:8787')
  const email = `readme-${Date.now()}@example.com`
  const setVars = (script: string, code = '') =>
    script
      .replace(/^BASE=.*$/m, `BASE=${server.baseUrl}`)
      .replace(/^EMAIL=.*$/m, `EMAIL=${email}`)
      .replace(/^CODE=\S+/m, `CODE=${code}`)
  const run = (script: string) => execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' })

  const first = run(setVars(signup!))
  expect(JSON.parse(first)).toMatchObject({ user_confirmed: false })

  const out = run(`BASE=${server.baseUrl}\nEMAIL=${email}\n${setVars(rest!, await codeFor(email))}`)
  // curl prints each answer without a newline: split the stream of JSON objects.
  const lines = out.trim().replace(/}\s*{/g, '}\n{').split('\n').map((l) => JSON.parse(l))
  expect(lines).toEqual([
    { msg: 'User confirmed successfully' },
    { msg: 'Hello, alice! Welcome to the demo page.' },
    { sub: expect.any(String), email, username: 'alice', mode: 'dark' },
    { access_token: expect.any(String), token_type: 'bearer', expires_in: 900 },
    { msg: 'User signed out successfully' },
    { error: 'invalid_token', error_description: expect.any(String) },
    { error: 'invalid_grant', error_description: expect.any(String) },
  ])
}, 30_000)

it('shows the nginx and Caddy configurations that the forward-auth tests run, as they are, and a ROUTES that parses', () => {
  expect(readme).toContain(NGINX_LOCATIONS)
  expect(readme).toContain(CADDY_SITE)
  const routes = /ROUTES='(\[.*\])'/.exec(readme)![1]!
  expect(parseRoutes(routes)).toEqual([
    { path: '/public/*', methods: ['GET'], auth: 'none', groups: [] },
    { path: '/admin/*', auth: 'user', groups: ['admins'] },
  ])
})
