// `npm run bench`: what protection costs. In one run, on Node then on Bun: the service (default
// configuration: request log and security headers on) and a bare Hono app on the same runtime
// and adapter, each loaded by wrk (50 connections) on GET /demopage rotating over 1000 distinct
// valid tokens; the service's memory after 100,000 requests over 10,000 distinct tokens; and
// the overhead of POST /signin over the same InitiateAuth sent straight to the emulator.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseConfig } from '../config'
import { createAccessTokens } from '../tokens/access-token'
import { generateSigningKey } from './signing-key'
import { createPool, emulatorCall, freePort, readConfirmationCode, startEmulator } from './emulator'
import { runtimeCommand, TSX_LOADER, type Runtime } from './runtimes'

const root = resolve(import.meta.dirname, '../..')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const work = mkdtempSync(join(tmpdir(), 'bench-'))
if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed: apt-get install -y wrk')

type Server = { base: string; pid: number; stop(): void }
async function start(command: string, args: string[], env: Record<string, string | undefined>, port: number): Promise<Server> {
  const child = spawn(command, args, { cwd: root, env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore', detached: true })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${base}/health`).then(() => true, () => false)) return { base, pid: child.pid!, stop: () => process.kill(-child.pid!, 'SIGTERM') }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${command} ${args.join(' ')} did not start`)
}

// wrk rotates over the tokens in a file, one request after another.
const lua = join(work, 'rotate.lua')
writeFileSync(lua, `
local tokens, i, path = {}, 0, "/demopage"
function init(args) for line in io.lines(args[1]) do tokens[#tokens + 1] = line end; path = args[2] or "/demopage" end
function request()
  i = i % #tokens + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[i] })
end`)

type Load = { rps: number; p50: number; p99: number; requests: number }
function wrk(base: string, tokensFile: string, seconds: number, path = '/demopage'): Load {
  const run = spawnSync('wrk', ['-t1', '-c50', `-d${seconds}s`, '--latency', '-s', lua, base, '--', tokensFile, path], { encoding: 'utf8' })
  const ms = (label: string) => {
    const m = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(run.stdout)
    if (!m) throw new Error(`wrk printed no ${label}%:\n${run.stdout}${run.stderr}`)
    return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as const)[m[2] as 'us' | 'ms' | 's']
  }
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(run.stdout)
  if (non2xx) throw new Error(`wrk got ${non2xx[1]} error answers:\n${run.stdout}`)
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(run.stdout)![1]),
    p50: ms('50'),
    p99: ms('99'),
    requests: Number(/(\d+) requests in/.exec(run.stdout)![1]),
  }
}
const rssMiB = (pid: number) => {
  // The runtime's own process: for Node that is the PID; Bun's binary is the PID too.
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024
}
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const emulatorDir = mkdtempSync(join(tmpdir(), 'bench-cognito-'))
const emulator = await startEmulator({ dir: emulatorDir, port: await freePort() })
try {
  const pool = await createPool(emulator.endpoint, 'bench')
  const env = {
    ...process.env,
    COGNITO_USER_POOL_ID: pool.userPoolId, COGNITO_CLIENT_ID: pool.clientId, COGNITO_ENDPOINT: emulator.endpoint,
    JWT_SECRET: 'bench-secret-of-at-least-32-bytes-0123456789',
    // A sign-in every few milliseconds from one address is the bench, not an attack.
    SIGNIN_MAX_FAILURES_PER_ADDRESS: '100000',
  }
  // ES256 too (JWT_KEYS): the same requests, tokens signed with a key the service verifies with its public half.
  const es256Env = { ...env, JWT_KEYS: JSON.stringify([(await generateSigningKey('ES256')).privateJwk]) }
  const tokenFile = async (n: number, name: string, tokens = createAccessTokens(parseConfig(env).jwt, () => Date.now())) => {
    const lines: string[] = []
    for (let i = 0; i < n; i++) lines.push((await tokens.issue({ sub: `user-${i}`, email: `user-${i}@example.com`, username: `user-${i}`, mode: 'bench', groups: [] })).token)
    const file = join(work, name)
    writeFileSync(file, lines.join('\n'))
    return file
  }
  const tokens1k = await tokenFile(1000, 'tokens-1k')
  const es256Tokens1k = await tokenFile(1000, 'es256-tokens-1k', createAccessTokens(parseConfig(es256Env).jwt, () => Date.now()))
  const tokens10kA = await tokenFile(10_000, 'tokens-10k-a')
  const tokens10kB = await tokenFile(10_000, 'tokens-10k-b')

  // A confirmed user for the sign-in overhead.
  const email = 'bench@example.com'
  const password = 'Bench-Passw0rd!'
  await emulatorCall(emulator.endpoint, 'SignUp', { ClientId: pool.clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] })
  await emulatorCall(emulator.endpoint, 'ConfirmSignUp', { ClientId: pool.clientId, Username: email, ConfirmationCode: await readConfirmationCode(emulatorDir, pool.userPoolId, email) })

  console.log(`machine: ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores, node ${process.version}; wrk -t1 -c50 -d${SECONDS}s per figure\n`)
  // BENCH_RUNTIMES=bun and BENCH_ONLY=gateway narrow a run while working on one figure.
  const only = process.env.BENCH_ONLY
  for (const runtime of (process.env.BENCH_RUNTIMES?.split(',') ?? ['node', 'bun']) as Runtime[]) {
    if (only !== 'gateway') {
      const bareCommand = runtime === 'node'
        ? { command: process.execPath, args: ['--import', TSX_LOADER, join(root, 'src/dev/bare-node.ts')] }
        : { command: join(root, 'node_modules/.bin/bun'), args: ['run', join(root, 'src/dev/bare-bun.ts')] }
      const bare = await start(bareCommand.command, bareCommand.args, env, await freePort())
      const port = await freePort()
      const svc = runtimeCommand(runtime, { root, host: '127.0.0.1', port, env })
      const service = await start(svc.command, svc.args, svc.env, port)
      try {
        wrk(bare.base, tokens1k, 2) // warm-up
        wrk(service.base, tokens1k, 2)
        const b = wrk(bare.base, tokens1k, SECONDS)
        const s = wrk(service.base, tokens1k, SECONDS)
        console.log(`${runtime}: GET /demopage, 1000 distinct tokens`)
        console.log(`  bare Hono    ${b.rps.toFixed(0).padStart(7)} req/s   p50 ${b.p50.toFixed(2)} ms   p99 ${b.p99.toFixed(2)} ms`)
        console.log(`  the service  ${s.rps.toFixed(0).padStart(7)} req/s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms`)
        console.log(`  ratio service ÷ bare: ${(s.rps / b.rps).toFixed(2)} (target at least 0.75)`)
        // The same with ES256 tokens: each is verified once (ECDSA, far dearer than HMAC), then served from the cache.
        const esPort = await freePort()
        const es = runtimeCommand(runtime, { root, host: '127.0.0.1', port: esPort, env: es256Env })
        const esService = await start(es.command, es.args, es.env, esPort)
        try {
          wrk(esService.base, es256Tokens1k, 2)
          const e = wrk(esService.base, es256Tokens1k, SECONDS)
          console.log(`  the service, ES256 ${e.rps.toFixed(0).padStart(7)} req/s   p50 ${e.p50.toFixed(2)} ms   p99 ${e.p99.toFixed(2)} ms   ratio ÷ bare ${(e.rps / b.rps).toFixed(2)}, ÷ HS256 ${(e.rps / s.rps).toFixed(2)}`)
        } finally {
          esService.stop()
        }

        // Memory: 100,000 requests over 10,000 distinct tokens, then 100,000 more over 10,000 others.
        const before = rssMiB(service.pid)
        const rounds: number[] = []
        for (const file of [tokens10kA, tokens10kB]) {
          let sent = 0
          while (sent < 100_000) sent += wrk(service.base, file, 3).requests
          rounds.push(rssMiB(service.pid))
        }
        console.log(`  memory (RSS): ${before.toFixed(0)} MiB before, ${rounds[0]!.toFixed(0)} MiB after 100,000 requests over 10,000 tokens, ${rounds[1]!.toFixed(0)} MiB after 100,000 more over 10,000 others`)

        // Sign-in overhead: the same InitiateAuth through the service and straight to the emulator.
        const direct: number[] = []
        const through: number[] = []
        const form = new URLSearchParams({ username: email, password })
        // Connections idle through the memory phase may have been closed: one call each to renew them.
        await emulatorCall(emulator.endpoint, 'InitiateAuth', { ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }).catch(() => {})
        await fetch(`${service.base}/signin`, { method: 'POST', body: form }).then((r) => r.text(), () => {})
        for (let i = 0; i < 300; i++) {
          let t = performance.now()
          await emulatorCall(emulator.endpoint, 'InitiateAuth', { ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } })
          direct.push(performance.now() - t)
          t = performance.now()
          const res = await fetch(`${service.base}/signin`, { method: 'POST', body: form })
          await res.text()
          if (res.status !== 200) throw new Error(`sign-in answered ${res.status}`)
          through.push(performance.now() - t)
        }
        console.log(`  POST /signin p50 ${p50(through).toFixed(2)} ms, InitiateAuth straight to the emulator p50 ${p50(direct).toFixed(2)} ms: overhead ${(p50(through) - p50(direct)).toFixed(2)} ms (target at most 1.5 ms)`)
      } finally {
        bare.stop()
        service.stop()
      }
    }

    // The gateway: a protected GET sent on to an upstream, against the upstream reached directly
    // and a bare Hono app that only fetches the upstream, on the same runtime.
    const upstream = await start(process.execPath, ['--import', TSX_LOADER, join(root, 'src/dev/bench-upstream.ts')], env, await freePort())
    const proxyEnv = { ...env, UPSTREAM_URL: upstream.base }
    const bareProxyArgs = runtime === 'node'
      ? { command: process.execPath, args: ['--import', TSX_LOADER, join(root, 'src/dev/bare-proxy.ts')] }
      : { command: join(root, 'node_modules/.bin/bun'), args: ['run', join(root, 'src/dev/bare-proxy.ts')] }
    const bareProxy = await start(bareProxyArgs.command, bareProxyArgs.args, proxyEnv, await freePort())
    const gwPort = await freePort()
    const gw = runtimeCommand(runtime, { root, host: '127.0.0.1', port: gwPort, env: proxyEnv })
    const gateway = await start(gw.command, gw.args, gw.env, gwPort)
    try {
      for (const s of [upstream, bareProxy, gateway]) wrk(s.base, tokens1k, 2, '/orders/1') // warm-up
      const d = wrk(upstream.base, tokens1k, SECONDS, '/orders/1')
      const b = wrk(bareProxy.base, tokens1k, SECONDS, '/orders/1')
      const g = wrk(gateway.base, tokens1k, SECONDS, '/orders/1')
      console.log(`${runtime}: GET /orders/1 through the gateway (bearer check, identity headers), 1000 distinct tokens`)
      console.log(`  upstream directly   ${d.rps.toFixed(0).padStart(7)} req/s   p50 ${d.p50.toFixed(2)} ms   p99 ${d.p99.toFixed(2)} ms`)
      console.log(`  bare Hono proxy     ${b.rps.toFixed(0).padStart(7)} req/s   p50 ${b.p50.toFixed(2)} ms   p99 ${b.p99.toFixed(2)} ms`)
      console.log(`  the gateway         ${g.rps.toFixed(0).padStart(7)} req/s   p50 ${g.p50.toFixed(2)} ms   p99 ${g.p99.toFixed(2)} ms`)
      console.log(`  ratio gateway ÷ bare proxy: ${(g.rps / b.rps).toFixed(2)} (target at least 0.8); gateway ÷ upstream directly: ${(g.rps / d.rps).toFixed(2)}\n`)
    } finally {
      upstream.stop()
      bareProxy.stop()
      gateway.stop()
    }
  }
} finally {
  await emulator.stop()
  rmSync(work, { recursive: true, force: true })
  rmSync(emulatorDir, { recursive: true, force: true })
}
