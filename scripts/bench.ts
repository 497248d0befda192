// `npm run bench`: what protection costs. In one run, on Node then on Bun, each loaded by wrk
// (50 connections) on GET /demopage rotating over 1000 distinct valid tokens: a bare Hono app, the
// same sending exactly the service's headers, the peer a user would write instead (hono/jwt), and
// the service in its default configuration, with HS256 and ES256 tokens (and the Redis store when
// redis-server is installed); the service's memory after 100,000 and 200,000 requests over 20,000
// distinct tokens; the overhead of POST /signin over the same InitiateAuth sent straight to the
// emulator, beside a bare Hono relay's; and the gateway against a bare Hono proxy. Ratios are
// within this run only.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseConfig } from '../src/config'
import { createAccessTokens } from '../src/tokens/access-token'
import { generateSigningKey } from './signing-key'
import { createPool, emulatorCall, freePort, readConfirmationCode, startEmulator } from './emulator'
import { startRedis } from './redis-server'
import { runtimeCommand, TSX_LOADER, type Runtime } from './runtimes'

const root = resolve(import.meta.dirname, '..')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const DEMOPAGE_ROUNDS = 3
const GATEWAY_ROUNDS = Number(process.env.BENCH_GATEWAY_ROUNDS ?? 3)
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
  const tokens10kC = await tokenFile(10_000, 'tokens-10k-c')
  const tokens10kD = await tokenFile(10_000, 'tokens-10k-d')

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
      // The baselines (scripts/bare.ts) and the service, each in its own process, all up at once.
      const bareArgs = runtime === 'node'
        ? { command: process.execPath, args: ['--import', TSX_LOADER, join(root, 'scripts/bare.ts')] }
        : { command: join(root, 'node_modules/.bin/bun'), args: ['run', join(root, 'scripts/bare.ts')] }
      const baseline = async (mode: string, extra: Record<string, string> = {}) => start(bareArgs.command, bareArgs.args, { ...env, ...extra, BARE_MODE: mode }, await freePort())
      const service = async (extra: Record<string, string>, options: { gcHook?: boolean } = {}) => {
        const port = await freePort()
        const svc = runtimeCommand(runtime, { root, host: '127.0.0.1', port, env: { ...env, ...extra } })
        const hook = join(root, 'scripts/gc-on-signal.mjs')
        if (options.gcHook) svc.args.unshift(...(runtime === 'bun' ? [`--preload=${hook}`] : ['--expose-gc', '--import', hook]))
        return start(svc.command, svc.args, svc.env, port)
      }
      const redis = await startRedis().catch((err: Error) => (console.log(`  (no Redis figures: ${err.message})`), undefined))
      const servers = {
        plain: await baseline('plain'),
        headers: await baseline('headers'),
        peer: await baseline('peer'),
        service: await service({}, { gcHook: true }),
        peerEs256: await baseline('peer', { JWT_KEYS: es256Env.JWT_KEYS }),
        relay: await baseline('relay'),
        serviceEs256: await service({ JWT_KEYS: es256Env.JWT_KEYS }),
        ...(redis ? { serviceRedis: await service({ REDIS_URL: redis.url }) } : {}),
      }
      try {
        const measure = (s: Server, tokens: string) => (wrk(s.base, tokens, 2), wrk(s.base, tokens, SECONDS))
        const plain = measure(servers.plain, tokens1k)
        const line = (name: string, l: Load, extra = '') =>
          console.log(`  ${name.padEnd(34)} ${l.rps.toFixed(0).padStart(7)} req/s   p50 ${l.p50.toFixed(2)} ms   p99 ${l.p99.toFixed(2)} ms${extra}`)
        const peers = { HS256: measure(servers.peer, tokens1k), ES256: measure(servers.peerEs256, es256Tokens1k) }
        // The same-headers baseline and the service in interleaved rounds: on 2 cores shared with
        // wrk, one run of either moves by a fifth from one run to the next (the baseline did 39k
        // and 30k req/s in two runs of the same code). Each ratio is the median of the rounds'.
        for (const s of [servers.headers, servers.service]) wrk(s.base, tokens1k, 2)
        wrk(servers.serviceEs256.base, es256Tokens1k, 2)
        const demoRounds: { headers: Load; HS256: Load; ES256: Load }[] = []
        for (let r = 0; r < DEMOPAGE_ROUNDS; r++) {
          demoRounds.push({ headers: wrk(servers.headers.base, tokens1k, SECONDS), HS256: wrk(servers.service.base, tokens1k, SECONDS), ES256: wrk(servers.serviceEs256.base, es256Tokens1k, SECONDS) })
        }
        const medianOf = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
        const mid = (pick: (r: (typeof demoRounds)[number]) => Load) => demoRounds.map(pick).find((l) => l.rps === medianOf(demoRounds.map((r) => pick(r).rps)))!
        const headers = mid((r) => r.headers)
        console.log(`${runtime}: GET /demopage, 1000 distinct tokens (the same-headers baseline and the service: the median of ${DEMOPAGE_ROUNDS} interleaved rounds)`)
        line('bare Hono', plain)
        line("bare Hono, the service's headers", headers)
        for (const alg of ['HS256', 'ES256'] as const) {
          const ours = mid((r) => r[alg])
          const ratios = demoRounds.map((r) => r[alg].rps / r.headers.rps)
          const p99s = demoRounds.map((r) => r[alg].p99 / r.headers.p99)
          line(`hono/jwt peer, ${alg}`, peers[alg])
          line(`the service, ${alg}`, ours,
            `\n    ÷ same headers ${medianOf(ratios).toFixed(2)} (target 0.85; rounds ${ratios.map((x) => x.toFixed(2)).join(', ')}), ÷ peer ${(ours.rps / peers[alg].rps).toFixed(2)} (target 1.5), p99 ÷ same headers' ${medianOf(p99s).toFixed(2)} (target at most 2)`)
        }
        if (servers.serviceRedis) {
          const r = measure(servers.serviceRedis, tokens1k)
          line('the service, HS256, Redis store', r, `\n    ÷ same headers ${(r.rps / headers.rps).toFixed(2)}`)
        }

        // Memory: 100,000 requests over 10,000 distinct tokens, then 100,000 more over 10,000 others
        // (the target), then two more such rounds: whether the growth goes on or levels off.
        // After each round, the RSS as it is (the target's figure), then after a full collection
        // (scripts/gc-on-signal.mjs): what is kept, without garbage the runtime has not collected yet.
        const before = rssMiB(servers.service.pid)
        const rounds: number[] = []
        const collected: number[] = []
        for (const file of [tokens10kA, tokens10kB, tokens10kC, tokens10kD]) {
          let sent = 0
          while (sent < 100_000) sent += wrk(servers.service.base, file, 3).requests
          rounds.push(rssMiB(servers.service.pid))
          process.kill(servers.service.pid, 'SIGUSR2')
          await new Promise((r) => setTimeout(r, 1500))
          collected.push(rssMiB(servers.service.pid))
        }
        const growth = (xs: number[]) => `${xs[1]! >= xs[0]! ? '+' : ''}${((xs[1]! / xs[0]! - 1) * 100).toFixed(1)}%`
        const mib = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' → ')
        console.log(`  memory (RSS): ${before.toFixed(0)} MiB before, ${rounds[0]!.toFixed(0)} MiB after 100,000 requests over 10,000 tokens, ${rounds[1]!.toFixed(0)} MiB after 200,000 over 20,000: ${growth(rounds)} (target within 10%); then ${rounds[2]!.toFixed(0)} and ${rounds[3]!.toFixed(0)} MiB after 300,000 and 400,000`)
        console.log(`    after a full collection each time: ${mib(collected)} MiB (${growth(collected)} from 100,000 to 200,000)`)

        // Sign-in overhead: the same InitiateAuth through the service and straight to the emulator,
        // and through a bare Hono relay with the runtime's fetch (scripts/bare.ts): what the extra
        // hop and a plain app cost on this machine. A relay that fails is said, not fatal.
        const direct: number[] = []
        const through: number[] = []
        const relayed: number[] = []
        const relayFailures: string[] = []
        const form = new URLSearchParams({ username: email, password })
        const initiateAuth = () => emulatorCall(emulator.endpoint, 'InitiateAuth', { ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } })
        const signIn = async (base: string) => {
          const res = await fetch(`${base}/signin`, { method: 'POST', body: form })
          await res.text()
          if (res.status !== 200) throw new Error(`sign-in at ${base} answered ${res.status}`)
        }
        const timed = async (into: number[], call: () => Promise<unknown>) => {
          const t = performance.now()
          await call()
          into.push(performance.now() - t)
        }
        // Connections idle through the memory phase may have been closed: one call each to renew them.
        await initiateAuth().catch(() => {})
        for (const s of [servers.service, servers.relay]) await signIn(s.base).catch(() => {})
        for (let i = 0; i < 300; i++) {
          await timed(direct, initiateAuth)
          await timed(through, () => signIn(servers.service.base))
          await timed(relayed, () => signIn(servers.relay.base)).catch((err: Error) => relayFailures.push(err.message))
        }
        const relay = relayed.length ? `${(p50(relayed) - p50(direct)).toFixed(2)} ms` : `failed (${relayFailures[0]})`
        console.log(`  POST /signin p50 ${p50(through).toFixed(2)} ms, InitiateAuth straight to the emulator p50 ${p50(direct).toFixed(2)} ms: overhead ${(p50(through) - p50(direct)).toFixed(2)} ms (target at most 1 ms); through a bare Hono relay ${relay}\n`)
      } finally {
        for (const s of Object.values(servers)) s.stop()
        await redis?.stop()
      }
    }

    // The gateway: a protected GET sent on to an upstream, against the upstream reached directly
    // and a bare Hono app that only fetches the upstream, on the same runtime.
    const upstream = await start(process.execPath, ['--import', TSX_LOADER, join(root, 'scripts/bench-upstream.ts')], env, await freePort())
    const proxyEnv = { ...env, UPSTREAM_URL: upstream.base }
    const bareProxyArgs = runtime === 'node'
      ? { command: process.execPath, args: ['--import', TSX_LOADER, join(root, 'scripts/bare-proxy.ts')] }
      : { command: join(root, 'node_modules/.bin/bun'), args: ['run', join(root, 'scripts/bare-proxy.ts')] }
    const bareProxy = await start(bareProxyArgs.command, bareProxyArgs.args, proxyEnv, await freePort())
    const gwPort = await freePort()
    const gw = runtimeCommand(runtime, { root, host: '127.0.0.1', port: gwPort, env: proxyEnv })
    const gateway = await start(gw.command, gw.args, gw.env, gwPort)
    try {
      for (const s of [upstream, bareProxy, gateway]) wrk(s.base, tokens1k, 2, '/orders/1') // warm-up
      const d = wrk(upstream.base, tokens1k, SECONDS, '/orders/1')
      // Interleaved rounds: on 2 cores shared with wrk and the upstream, one pair of runs moves by
      // 0.1 either way; the median of the rounds' ratios is the figure.
      const rounds: { b: Load; g: Load }[] = []
      for (let r = 0; r < GATEWAY_ROUNDS; r++) rounds.push({ b: wrk(bareProxy.base, tokens1k, SECONDS, '/orders/1'), g: wrk(gateway.base, tokens1k, SECONDS, '/orders/1') })
      const ratios = rounds.map(({ b, g }) => g.rps / b.rps)
      const median = [...ratios].sort((x, y) => x - y)[Math.floor(ratios.length / 2)]!
      const mid = rounds[ratios.indexOf(median)]!
      const line = (l: Load) => `${l.rps.toFixed(0).padStart(7)} req/s   p50 ${l.p50.toFixed(2)} ms   p99 ${l.p99.toFixed(2)} ms`
      console.log(`${runtime}: GET /orders/1 through the gateway (bearer check, identity headers), 1000 distinct tokens`)
      console.log(`  upstream directly   ${line(d)}`)
      console.log(`  bare Hono proxy     ${line(mid.b)}   (the median round of ${GATEWAY_ROUNDS})`)
      console.log(`  the gateway         ${line(mid.g)}`)
      console.log(`  ratio gateway ÷ bare proxy: ${median.toFixed(2)} (target at least 0.8; rounds ${ratios.map((x) => x.toFixed(2)).join(', ')}); gateway ÷ upstream directly: ${(mid.g.rps / d.rps).toFixed(2)}\n`)
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
