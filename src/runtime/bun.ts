import { appFromEnv } from './listen'

const { app, port, hostname } = appFromEnv(process.env)
console.log(`listening on http://${hostname}:${port} (bun ${process.versions.bun})`)

// Bun serves the default export: https://bun.sh/docs/api/http#export-default-syntax
export default { port, hostname, fetch: app.fetch }
