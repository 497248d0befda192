// The local Cognito emulator (cognito-local) for `npm start` and the tests: start it, give it a
// pool shaped like the one the service expects, and read the codes it "e-mails".
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { TSX_LOADER } from './runtimes'

export type Emulator = { endpoint: string; process: ChildProcess; stop(): Promise<void> }
export type Pool = { userPoolId: string; clientId: string }

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Starts cognito-local (with the operations cognito-local.ts adds) with its data in `dir` (it writes `dir/.cognito`), and waits until it answers.
 * `onOutput` gets its console lines, where confirmation codes are "delivered".
 */
export async function startEmulator(options: { dir: string; port: number; host?: string; onOutput?: (line: string) => void }): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1'
  // cognito-local plus the operations it lacks (see cognito-local.ts).
  const script = join(import.meta.dirname, 'cognito-local.ts')
  const child = spawn(process.execPath, ['--import', TSX_LOADER, script], {
    cwd: options.dir,
    env: { ...process.env, PORT: String(options.port), HOST: host, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let buffered = ''
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) options.onOutput?.(line.replace(/\u001b\[[0-9;]*m/g, ''))
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const endpoint = `http://${host}:${options.port}`
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cognito-local exited with code ${child.exitCode} (is port ${options.port} taken?)`)
    try {
      if ((await fetch(`${endpoint}/health`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`cognito-local did not answer on ${endpoint} within 15 s`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { endpoint, process: child, stop }
}

/** Calls one operation of Cognito's JSON API on the emulator (no signature needed there). */
export async function emulatorCall<T = Record<string, unknown>>(endpoint: string, op: string, body: unknown): Promise<T> {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `AWSCognitoIdentityProviderService.${op}` },
    body: JSON.stringify(body),
  })
  const json = (await res.json()) as T
  if (!res.ok) throw new Error(`${op} failed: ${JSON.stringify(json)}`)
  return json
}

/** A pool as the service expects: e-mail as the username, auto-verified e-mail, custom username and mode, and an app client. */
export async function createPool(endpoint: string, name = 'edge-auth-gateway'): Promise<Pool> {
  const { UserPool } = await emulatorCall<{ UserPool: { Id: string } }>(endpoint, 'CreateUserPool', {
    PoolName: name,
    UsernameAttributes: ['email'],
    AutoVerifiedAttributes: ['email'],
    Schema: [
      { Name: 'username', AttributeDataType: 'String', Mutable: true },
      { Name: 'mode', AttributeDataType: 'String', Mutable: true },
    ],
  })
  const { UserPoolClient } = await emulatorCall<{ UserPoolClient: { ClientId: string } }>(endpoint, 'CreateUserPoolClient', {
    UserPoolId: UserPool.Id,
    ClientName: `${name}-app`,
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  })
  return { userPoolId: UserPool.Id, clientId: UserPoolClient.ClientId }
}

/** Whether the emulator still has this pool and client (its data folder may have been wiped). */
export async function poolExists(endpoint: string, pool: Pool): Promise<boolean> {
  try {
    await emulatorCall(endpoint, 'DescribeUserPoolClient', { UserPoolId: pool.userPoolId, ClientId: pool.clientId })
    return true
  } catch {
    return false
  }
}

/** The confirmation code the emulator "sent" to this e-mail, read from its data file. */
export async function readConfirmationCode(dir: string, userPoolId: string, email: string): Promise<string | undefined> {
  const db = JSON.parse(await readFile(join(dir, '.cognito', 'db', `${userPoolId}.json`), 'utf8')) as {
    Users?: Record<string, { Attributes: { Name: string; Value: string }[]; ConfirmationCode?: string }>
  }
  const user = Object.values(db.Users ?? {}).find((u) => u.Attributes.some((a) => a.Name === 'email' && a.Value === email))
  return user?.ConfirmationCode
}
