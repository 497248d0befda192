import type { Env, Schema } from 'hono'
import { HonoBase } from 'hono/hono-base'
import { RegExpRouter } from 'hono/router/reg-exp-router'

/**
 * Hono with its RegExpRouter alone. `hono`'s default class pairs it with a TrieRouter for route
 * shapes RegExpRouter refuses, which this service has none of (it would throw at the first request:
 * the tests build the app with and without a prefix, CORS and the gateway). A kilobyte of the
 * Worker's script (npm run size).
 */
export class Hono<E extends Env = Env, S extends Schema = {}, BasePath extends string = '/'> extends HonoBase<E, S, BasePath> {
  constructor() {
    super({ router: new RegExpRouter() })
  }
}
