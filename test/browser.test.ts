// The docs in a real browser (Debian's Chromium through playwright-core): a newcomer signs up,
// confirms, authorizes through the password flow and calls /demopage, all from Swagger UI,
// and every request the page makes goes to the service itself.
import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeFor, newCreds, testEnv } from './support/harness'
import { startRuntime, type Running } from './support/runtime'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const artifacts = resolve(import.meta.dirname, '../test-artifacts')

let server: Running
let browser: Browser

beforeAll(async () => {
  // Not skipped: without a browser this fails and says how to get one.
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`)
  server = await startRuntime('node', testEnv())
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}, 90_000)
afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

/** Opens an operation, presses "Try it out", lets `fill` set its inputs, executes it, and returns status and body. */
async function tryOperation(page: Page, id: string, fill: (op: ReturnType<Page['locator']>) => Promise<void> = async () => {}) {
  const op = page.locator(`#${id}`)
  // An operation already open (and in Try it out) is used as it is.
  if (!(await op.locator('.opblock-body').count())) await op.locator('.opblock-summary').first().click()
  const tryOut = op.locator('button.try-out__btn')
  if ((await tryOut.innerText()).includes('Try it out')) await tryOut.click()
  await fill(op)
  // A response of an earlier run is cleared first, so that the one read below is this run's.
  const clear = op.locator('button.btn-clear')
  if (await clear.count()) {
    await clear.click()
    await op.locator('.live-responses-table').waitFor({ state: 'detached' })
  }
  await op.locator('button.execute').click()
  const status = op.locator('.live-responses-table tr.response .response-col_status').first()
  await status.waitFor({ timeout: 10_000 })
  const body = await op.locator('.live-responses-table tr.response .response-col_description .highlight-code pre').first().innerText()
  return { status: Number((await status.innerText()).trim()), body }
}

describe('Swagger UI at /docs', () => {
  it('pre-fills every operation\'s Try it out with values a person can send: no "string", no pattern noise, a working grant_type and no client credentials', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.baseUrl}/docs`)
    await page.locator('.opblock').first().waitFor()
    const ids = await page.locator('.opblock').evaluateAll((els) => els.map((e) => e.id))
    expect(ids.length).toBeGreaterThan(15)
    const seen: Record<string, Record<string, string>> = {}
    for (const id of ids) {
      const op = page.locator(`#${id}`)
      await op.locator('.opblock-summary').first().click()
      const tryOut = op.locator('button.try-out__btn')
      if (await tryOut.count()) await tryOut.click()
      const fields: Record<string, string> = {}
      for (const [name, value] of await op.locator('.parameters-container input[type=text], .parameters-container textarea, .opblock-section-request-body input[type=text], .opblock-section-request-body textarea').evaluateAll((els) =>
        els.map((e) => [e.closest('tr')?.getAttribute('data-param-name') ?? e.closest('tr')?.querySelector('.parameter__name')?.textContent?.replace(/\W+$/, '') ?? 'body', (e as HTMLInputElement).value] as [string, string]))) {
        fields[name] = value
      }
      seen[id] = fields
      for (const [name, value] of Object.entries(fields)) {
        expect(value, `${id} ${name}`).not.toBe('string')
        // JSON bodies: every string in them reads like a value, not a pattern's output.
        const strings = name === 'body' && value ? JSON.stringify(JSON.parse(value)).match(/"[^"]*"/g) ?? [] : [value]
        for (const str of strings) expect(str, `${id} ${name}`).not.toMatch(/[{}~|^]{2,}|^"string"$/)
      }
    }
    expect(seen['operations-session-postSignin']).toMatchObject({ username: 'alice@example.com', grant_type: 'password', client_id: '', client_secret: '', scope: '' })
    expect(seen['operations-session-postToken']).toMatchObject({ grant_type: 'password', client_id: '', client_secret: '' })
    await page.close()
  }, 60_000)

  it('takes a newcomer through sign-up, confirm, Authorize and the demo page, with no request leaving the service', async () => {
    const page = await browser.newPage()
    const requests: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    await page.goto(`${server.baseUrl}/docs`)
    await page.locator('.opblock').first().waitFor()

    const creds = newCreds()
    const signup = await tryOperation(page, 'operations-account-postSignup', async (op) => {
      await op.locator('textarea.body-param__text').fill(JSON.stringify(creds))
    })
    expect(signup.status).toBe(201)
    expect(JSON.parse(signup.body)).toMatchObject({ user_confirmed: false })

    const code = await codeFor(creds.email)
    const confirm = await tryOperation(page, 'operations-account-postConfirm', async (op) => {
      await op.locator('tr[data-param-name="username"] input').fill(creds.email)
      await op.locator('tr[data-param-name="confirmation_code"] input').fill(code)
    })
    expect(confirm.status).toBe(200)
    expect(JSON.parse(confirm.body)).toEqual({ msg: 'User confirmed successfully' })

    // Authorize through the OAuth2 password flow: Swagger UI posts to the tokenUrl, /token.
    await page.locator('.auth-wrapper button.authorize').click()
    await page.locator('#oauth_username').fill(creds.email)
    await page.locator('#oauth_password').fill(creds.password)
    await page.locator('.auth-btn-wrapper button.authorize').click()
    await page.locator('.auth-btn-wrapper button.btn-done, .auth-btn-wrapper button.logout').first().waitFor()
    expect(await page.locator('.modal-ux').innerText()).not.toMatch(/error/i)
    await page.locator('.auth-btn-wrapper button.btn-done').click()

    const demo = await tryOperation(page, 'operations-user-getDemopage')
    expect(demo.status).toBe(200)
    expect(JSON.parse(demo.body)).toEqual({ msg: `Hello, ${creds.username}! Welcome to the demo page.` })

    // /signin's own form, pre-filled with a working grant_type: only the user's values are typed.
    const signin = await tryOperation(page, 'operations-session-postSignin', async (op) => {
      const field = (name: string) => op.locator('.opblock-section-request-body tr', { has: page.locator('.parameter__name', { hasText: new RegExp(`^${name}`) }) }).locator('input[type=text]')
      await field('username').fill(creds.email)
      await field('password').fill(creds.password)
    })
    expect(signin.status).toBe(200)
    expect(JSON.parse(signin.body)).toMatchObject({ token_type: 'bearer', expires_in: 900 })

    // Sign out with the authorized token (its body left as pre-filled), then the demo page refuses it.
    const signout = await tryOperation(page, 'operations-session-postSignout')
    expect(signout.status).toBe(200)
    const after = await tryOperation(page, 'operations-user-getDemopage')
    expect(after.status).toBe(401)

    mkdirSync(artifacts, { recursive: true })
    await page.locator('#operations-session-postSignin').screenshot({ path: resolve(artifacts, 'docs-signin.png') })

    expect(requests.some((u) => u.endsWith('/token'))).toBe(true)
    const elsewhere = requests.filter((u) => !u.startsWith(`${server.baseUrl}/`) && !u.startsWith('data:'))
    expect(elsewhere).toEqual([])
  }, 60_000)
})
