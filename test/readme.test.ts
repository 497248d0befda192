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
const [signup, rest, accountFlows] = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!)

let server: Running
beforeAll(async () => {
  server = await startRuntime('node', testEnv())
}, 60_000)
afterAll(() => server?.stop())

/** Each line curl printed: a JSON body, perhaps followed by ` HTTP <status>` (-w). */
const answers = (out: string) =>
  out.trim().split('\n').map((line) => {
    const m = / HTTP (\d{3})$/.exec(line)
    const body = JSON.parse(m ? line.slice(0, m.index) : line) as unknown
    return m ? { status: Number(m[1]), body } : body
  })
const run = (script: string) => execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' })
const withBase = (script: string) => script.replace(/^BASE=.*$/m, `BASE=${server.baseUrl}`)

it.each([1, 2])('works as written, run %i: sign up, confirm, sign in, demo page, me, refresh, sign out, both tokens refused', async () => {
  expect(signup).toContain('BASE=http://127.0.0.1:8787')
  // The block picks a new address itself ($RANDOM), so a second run in a row works too.
  const first = run(`${withBase(signup!)}\necho "$EMAIL"`).trim().split('\n')
  const email = first.pop()!
  expect(JSON.parse(first.join('\n'))).toMatchObject({ user_confirmed: false })

  const out = run(`BASE=${server.baseUrl}\nEMAIL=${email}\n${rest!.replace(/^CODE=\S+/m, `CODE=${await codeFor(email)}`)}`)
  expect(answers(out)).toEqual([
    { msg: 'User confirmed successfully' },
    { msg: 'Hello, alice! Welcome to the demo page.' },
    { sub: expect.any(String), email, username: 'alice', mode: 'dark' },
    { access_token: expect.any(String), token_type: 'bearer', expires_in: 900 },
    { msg: 'User signed out successfully' },
    { status: 401, body: { error: 'invalid_token', error_description: expect.any(String) } },
    { status: 400, body: { error: 'invalid_grant', error_description: expect.any(String) } },
  ])

  // The account flows, on their own after the walkthrough: resend, forgot, reset, sign in, change, delete.
  const [beforeCode, afterCode] = accountFlows!.split(/^RESET_CODE=.*$/m)
  const vars = `BASE=${server.baseUrl}\nEMAIL=${email}\n`
  const sent = answers(run(vars + beforeCode!))
  expect(sent).toEqual([{ code_delivery: expect.any(Object) }, { code_delivery: expect.any(Object) }])
  const done = answers(run(`${vars}RESET_CODE=${await codeFor(email)}\n${afterCode!}`))
  expect(done).toEqual([{ msg: 'Password reset successfully' }, { msg: 'Password changed successfully' }, { msg: 'User deleted successfully' }])
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
