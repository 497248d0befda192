import { SwaggerUI } from '@hono/swagger-ui'

// Swagger UI's page: @hono/swagger-ui's markup, with its files from the service itself.
/** Swagger UI's page, loading the document and the files from `base` (the service itself, never a CDN). */
export const docsPage = (base: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Edge auth gateway</title>
  </head>
  <body>
    ${SwaggerUI({
      url: `${base}/openapi.json`,
      // @hono/swagger-ui appends /swagger-ui-dist/<file> to baseUrl.
      baseUrl: `${base}/docs`,
    })}
  </body>
</html>
`
