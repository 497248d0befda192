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
  await op.locator('.opblock-summary').first().click()
  await op.locator('button.try-out__btn').click()
  await fill(op)
  await op.locator('button.execute').click()
  const status = op.locator('.live-responses-table tr.response .response-col_status').first()
  await status.waitFor({ timeout: 10_000 })
  const body = await op.locator('.live-responses-table tr.response .response-col_description .highlight-code pre').first().innerText()
  return { status: Number((await status.innerText()).trim()), body }
}

describe('Swagger UI at /docs', () => {
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

    mkdirSync(artifacts, { recursive: true })
    await page.locator('#operations-user-getDemopage').screenshot({ path: resolve(artifacts, 'docs-demopage.png') })

    expect(requests.some((u) => u.endsWith('/token'))).toBe(true)
    const elsewhere = requests.filter((u) => !u.startsWith(`${server.baseUrl}/`) && !u.startsWith('data:'))
    expect(elsewhere).toEqual([])
  }, 60_000)
})
