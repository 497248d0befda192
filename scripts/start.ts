// `npm start` (Node), `npm run start:bun` (Bun), `npm run dev` (Workers under wrangler dev).
// Without COGNITO_USER_POOL_ID, it starts the local Cognito emulator and a pool for it first.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createPool, poolExists, startEmulator, type Emulator, type Pool } from './emulator'
import { generateSigningKey } from './signing-key'
import { runtimeCommand, type Runtime } from './runtimes'

const runtime = (process.argv[2] ?? 'node') as Runtime
const root = resolve(import.meta.dirname, '..')
const env: Record<string, string | undefined> = { ...process.env }
const host = env.HOST || '127.0.0.1'
const port = Number(env.PORT || 8787)
let emulator: Emulator | undefined

if (!env.COGNITO_USER_POOL_ID) {
  const dir = resolve(env.COGNITO_LOCAL_DIR || join(root, '.cognito-local'))
  mkdirSync(dir, { recursive: true })
  const emulatorPort = Number(env.COGNITO_LOCAL_PORT || 9229)
  // What each code the emulator "e-mails" is for (scripts/cognito-local.ts prints one line per code).
  const PURPOSE: Record<string, string> = { SignUp: 'sign-up code', ResendCode: 'sign-up code', ForgotPassword: 'password reset code', UpdateUserAttribute: 'address check code', VerifyUserAttribute: 'address check code' }
  emulator = await startEmulator({
    dir,
    port: emulatorPort,
    onOutput: (line) => {
      const m = /^code delivery: (\S+) (\S+) (\S+)$/.exec(line)
      if (m) console.log(`[cognito-local] ${PURPOSE[m[1]!] ?? `${m[1]} code`} for ${m[2]}: ${m[3]}`)
    },
  })
  // The pool is kept in .cognito-local/ (ignored by git) and reused across restarts.
  const saved = join(dir, 'pool.json')
  let pool: Pool | undefined = existsSync(saved) ? (JSON.parse(readFileSync(saved, 'utf8')) as Pool) : undefined
  if (!pool || !(await poolExists(emulator.endpoint, pool))) {
    pool = await createPool(emulator.endpoint)
    writeFileSync(saved, JSON.stringify(pool, null, 2))
  }
  Object.assign(env, { COGNITO_USER_POOL_ID: pool.userPoolId, COGNITO_CLIENT_ID: pool.clientId, COGNITO_ENDPOINT: emulator.endpoint })
  // An ES256 signing key, kept beside the pool, so that /.well-known/jwks.json shows what other
  // services would verify tokens with; the issuer is this service's URL, as RFC 8414 wants.
  if (!env.JWT_KEYS) {
    const keyFile = join(dir, 'jwt-key.json')
    if (!existsSync(keyFile)) writeFileSync(keyFile, JSON.stringify((await generateSigningKey()).privateJwk), { mode: 0o600 })
    env.JWT_KEYS = `[${readFileSync(keyFile, 'utf8')}]`
  }
  env.JWT_ISSUER ||= `http://${host}:${port}`
  console.log(`local Cognito emulator on ${emulator.endpoint}, pool ${pool.userPoolId}, data in .cognito-local/`)
  console.log('confirmation codes appear here, and in .cognito-local/.cognito/db/<pool>.json')
}
if (!env.JWT_SECRET) {
  env.JWT_SECRET = randomBytes(48).toString('base64url')
  console.log('JWT_SECRET not set: using a fresh random one (tokens do not survive a restart)')
}

const { command, args, env: childEnv } = runtimeCommand(runtime, { root, host, port, env })
const child = spawn(command, args, { cwd: root, env: childEnv, stdio: 'inherit' })
console.log(`docs: http://${host}:${port}/docs   health: http://${host}:${port}/health   jwks: http://${host}:${port}/.well-known/jwks.json   (${runtime})`)

const shutdown = async (code: number) => {
  child.kill('SIGTERM')
  await emulator?.stop()
  process.exit(code)
}
child.on('exit', (code) => void shutdown(code ?? 0))
process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))
