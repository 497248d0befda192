// Debian's nginx (auth_request) and Caddy (forward_auth) in front of an upstream, asking the
// service at /auth/verify. The configuration snippets are the README's (readme.test.ts checks
// that the README shows them as they are here).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../scripts/emulator'

/** The two location blocks of an nginx server: the README's, with the service on 8787 and the API on 3000. */
export const NGINX_LOCATIONS = `location = /_auth {
    internal;
    proxy_pass http://127.0.0.1:8787/auth/verify;
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Original-URI $request_uri;
    proxy_set_header X-Original-Method $request_method;
    # The other pair too, so that a client's own X-Forwarded-* cannot name another request.
    proxy_set_header X-Forwarded-Uri $request_uri;
    proxy_set_header X-Forwarded-Method $request_method;
}

location / {
    auth_request /_auth;
    auth_request_set $auth_user $upstream_http_x_auth_request_user;
    auth_request_set $auth_email $upstream_http_x_auth_request_email;
    auth_request_set $auth_name $upstream_http_x_auth_request_preferred_username;
    auth_request_set $auth_groups $upstream_http_x_auth_request_groups;
    # Set every identity header, empty ones too: nginx then drops what the client sent.
    proxy_set_header X-Auth-Request-User $auth_user;
    proxy_set_header X-Auth-Request-Email $auth_email;
    proxy_set_header X-Auth-Request-Preferred-Username $auth_name;
    proxy_set_header X-Auth-Request-Groups $auth_groups;
    proxy_pass http://127.0.0.1:3000;
}`

/** The README's Caddyfile site, with the service on 8787 and the API on 3000. */
export const CADDY_SITE = `http://127.0.0.1:8080 {
	# In this order: the identity headers a client sent go first; then only the service's come in.
	route {
		request_header -X-Auth-Request-User
		request_header -X-Auth-Request-Email
		request_header -X-Auth-Request-Preferred-Username
		request_header -X-Auth-Request-Groups
		request_header -X_Auth_Request_User
		request_header -X_Auth_Request_Email
		request_header -X_Auth_Request_Preferred_Username
		request_header -X_Auth_Request_Groups
		forward_auth 127.0.0.1:8787 {
			uri /auth/verify
			copy_headers X-Auth-Request-User X-Auth-Request-Email X-Auth-Request-Preferred-Username X-Auth-Request-Groups
		}
		reverse_proxy 127.0.0.1:3000
	}
}`

export type Proxy = { url: string; port: number; stop(): Promise<void> }

const ports = (text: string, service: number, upstream: number, listen: number) =>
  text.replaceAll('127.0.0.1:8787', `127.0.0.1:${service}`).replaceAll('127.0.0.1:3000', `127.0.0.1:${upstream}`).replaceAll('127.0.0.1:8080', `127.0.0.1:${listen}`)

function needs(binary: string, pkg: string) {
  if (spawnSync(binary, ['-v']).error) throw new Error(`${binary} is not installed: apt-get install -y ${pkg} (.ci/run does)`)
}

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`)
    if (await fetch(url).then(() => true, () => false)) return
    if (Date.now() > deadline) throw new Error(`did not answer on ${url}:\n${output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function run(command: string, args: string[], env: Record<string, string | undefined> = process.env) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done()
      child.once('exit', () => done())
      child.kill('SIGTERM')
    })
  return { child, output: () => out, stop }
}

/** nginx, unprivileged, everything it writes inside a temporary folder. */
export async function startNginx(servicePort: number, upstreamPort: number): Promise<Proxy> {
  needs('nginx', 'nginx')
  const dir = await mkdtemp(join(tmpdir(), 'nginx-'))
  const port = await freePort()
  const conf = `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
${ports(NGINX_LOCATIONS, servicePort, upstreamPort, port).replace(/^/gm, '    ')}
  }
}
`
  await writeFile(join(dir, 'nginx.conf'), conf)
  const p = run('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')])
  await waitFor(`http://127.0.0.1:${port}/_probe`, p.child, p.output)
  return { url: `http://127.0.0.1:${port}`, port, stop: async () => { await p.stop(); await rm(dir, { recursive: true, force: true }) } }
}

/** Caddy, with no admin endpoint and HOME and XDG folders inside a temporary folder. */
export async function startCaddy(servicePort: number, upstreamPort: number): Promise<Proxy> {
  needs('caddy', 'caddy')
  const dir = await mkdtemp(join(tmpdir(), 'caddy-'))
  const port = await freePort()
  await writeFile(join(dir, 'Caddyfile'), `{\n\tadmin off\n\tauto_https off\n}\n\n${ports(CADDY_SITE, servicePort, upstreamPort, port)}\n`)
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') }
  const p = run('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], env)
  await waitFor(`http://127.0.0.1:${port}/_probe`, p.child, p.output)
  return { url: `http://127.0.0.1:${port}`, port, stop: async () => { await p.stop(); await rm(dir, { recursive: true, force: true }) } }
}
