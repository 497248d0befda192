// cognito-local, with what it lacks and the service needs added to its own operation table
// (`Targets`), so that tests and `npm start` exercise the real service client against it:
// - GlobalSignOut and AdminUserGlobalSignOut, which it answers with "Unsupported": they drop
//   every refresh token of the user, as Cognito does.
// - ResendConfirmationCode, also "Unsupported": a new code for an unconfirmed user, delivered
//   (printed) like the first one.
// - Disabled users: Cognito refuses them at sign-in and at refresh (NotAuthorizedException,
//   "User is disabled."); cognito-local lets them in.
// - ConfirmSignUp: Cognito marks the address the code was sent to as verified (email_verified:
//   true); cognito-local leaves it unverified, so no token would ever vouch for an address.
// - RespondToAuthChallenge: Cognito takes only a Session it handed out, for that user, for three
//   minutes; cognito-local takes any, so anyone could answer NEW_PASSWORD_REQUIRED for anyone.
// - Every code it "delivers" is also printed as one line that says what the code is for
//   (`code delivery: <source> <destination> <code>`), which npm start shows as such.
// - email_verified in ID tokens: cognito-local writes Boolean("false"), which is true; Cognito
//   writes false for an address changed and not verified again.
// Run by startEmulator() in place of cognito-local's own bin.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const lib = (path: string) => require(`cognito-local/lib/${path}`)
const { Targets } = lib('targets/targets') as { Targets: Record<string, Target> }
const { NotAuthorizedError, UserNotFoundError, InvalidParameterError } = lib('errors') as Record<'NotAuthorizedError' | 'UserNotFoundError' | 'InvalidParameterError', new (message?: string) => Error>
const { createDefaultServer } = lib('server/defaults') as { createDefaultServer: (logger: unknown) => Promise<{ start(): Promise<unknown> }> }

type User = { Username: string; Enabled: boolean; UserStatus?: string; ConfirmationCode?: string; RefreshTokens?: string[]; Attributes: { Name: string; Value: string }[] }
type UserPool = {
  options: { Id: string }
  getUserByUsername(ctx: unknown, username: string): Promise<User | null>
  getUserByRefreshToken(ctx: unknown, token: string): Promise<User | null>
  saveUser(ctx: unknown, user: User): Promise<void>
}
type Services = {
  otp: () => string
  messages: { deliver(ctx: unknown, source: string, clientId: string, poolId: string, user: User, code: string, meta: unknown, details: object): Promise<void> }
  cognito: { getUserPool(ctx: unknown, id: string): Promise<UserPool>; getUserPoolForClientId(ctx: unknown, id: string): Promise<UserPool> } }
type Target = (services: Services) => (ctx: unknown, req: Record<string, any>) => Promise<unknown>

async function signOutEverywhere(ctx: unknown, pool: UserPool, username: string) {
  const user = await pool.getUserByUsername(ctx, username)
  if (!user) throw new UserNotFoundError()
  await pool.saveUser(ctx, { ...user, RefreshTokens: [] })
  return {}
}

Targets.AdminUserGlobalSignOut = ({ cognito }) => async (ctx, req) =>
  signOutEverywhere(ctx, await cognito.getUserPool(ctx, req.UserPoolId), req.Username)

Targets.GlobalSignOut = ({ cognito }) => async (ctx, req) => {
  // Like cognito-local's own GetUser, the access token is decoded, not verified.
  let claims: { client_id?: string; username?: string }
  try {
    claims = JSON.parse(Buffer.from(String(req.AccessToken).split('.')[1] ?? '', 'base64url').toString())
  } catch {
    throw new NotAuthorizedError()
  }
  if (!claims.client_id || !claims.username) throw new NotAuthorizedError()
  return signOutEverywhere(ctx, await cognito.getUserPoolForClientId(ctx, claims.client_id), claims.username)
}

Targets.ResendConfirmationCode = ({ cognito, messages, otp }) => async (ctx, req) => {
  const pool = await cognito.getUserPoolForClientId(ctx, req.ClientId)
  const user = await pool.getUserByUsername(ctx, req.Username)
  if (!user) throw new UserNotFoundError()
  if (user.UserStatus !== 'UNCONFIRMED') throw new InvalidParameterError('User is already confirmed.')
  const code = otp()
  await pool.saveUser(ctx, { ...user, ConfirmationCode: code })
  const email = user.Attributes.find((a) => a.Name === 'email')?.Value ?? ''
  const details = { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: email }
  await messages.deliver(ctx, 'ResendCode', req.ClientId, pool.options.Id, user, code, req.ClientMetadata, details)
  return { CodeDeliveryDetails: details }
}

// Challenge sessions handed out: Session → the user's Username, the challenge asked, and until
// when (3 minutes, as Cognito). Cognito answers a session only for the challenge it was issued
// for; cognito-local ran whichever branch the client named, so that a TOTP challenge could be
// answered as NEW_PASSWORD_REQUIRED, with no code (an attacker's review, session 12).
const challengeSessions = new Map<string, { username: string; challenge: string; until: number }>()
const remember = (answer: unknown, username: string | undefined) => {
  const { Session: session, ChallengeName: challenge } = (answer ?? {}) as { Session?: unknown; ChallengeName?: unknown }
  if (typeof session === 'string' && typeof challenge === 'string' && username) challengeSessions.set(session, { username, challenge, until: Date.now() + 180_000 })
}

const initiateAuth = Targets.InitiateAuth!
Targets.InitiateAuth = (services) => {
  const inner = initiateAuth(services)
  return async (ctx, req) => {
    const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
    const p = req.AuthParameters ?? {}
    const user = p.REFRESH_TOKEN ? await pool.getUserByRefreshToken(ctx, p.REFRESH_TOKEN) : p.USERNAME ? await pool.getUserByUsername(ctx, p.USERNAME) : null
    if (user && !user.Enabled) throw new NotAuthorizedError('User is disabled.')
    const answer = await inner(ctx, req)
    remember(answer, user?.Username)
    return answer
  }
}

const respondToAuthChallenge = Targets.RespondToAuthChallenge!
Targets.RespondToAuthChallenge = (services) => {
  const inner = respondToAuthChallenge(services)
  return async (ctx, req) => {
    const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
    const user = req.ChallengeResponses?.USERNAME ? await pool.getUserByUsername(ctx, req.ChallengeResponses.USERNAME) : null
    const known = challengeSessions.get(req.Session)
    if (!user || !known || known.username !== user.Username || known.challenge !== req.ChallengeName || known.until < Date.now()) throw new NotAuthorizedError('Invalid session for the user.')
    const answer = await inner(ctx, req)
    challengeSessions.delete(req.Session)
    remember(answer, user.Username)
    return answer
  }
}

const confirmSignUp = Targets.ConfirmSignUp!
Targets.ConfirmSignUp = (services) => {
  const inner = confirmSignUp(services)
  return async (ctx, req) => {
    const result = await inner(ctx, req)
    const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
    const user = await pool.getUserByUsername(ctx, req.Username)
    if (user?.Attributes.some((a) => a.Name === 'email')) {
      const Attributes = [...user.Attributes.filter((a) => a.Name !== 'email_verified'), { Name: 'email_verified', Value: 'true' }]
      await pool.saveUser(ctx, { ...user, Attributes })
    }
    return result
  }
}

// Each operation's services, with message delivery that also prints what the code is for.
for (const [name, factory] of Object.entries(Targets)) {
  Targets[name] = (services) =>
    factory({
      ...services,
      messages: {
        ...services.messages,
        deliver: (ctx, source, clientId, poolId, user, code, meta, details) => {
          const destination = (details as { Destination?: string }).Destination ?? user.Username
          console.log(`code delivery: ${source} ${destination} ${code}`)
          return services.messages.deliver(ctx, source, clientId, poolId, user, code, meta, details)
        },
      },
    })
}

type Generate = (this: unknown, ctx: unknown, user: User, ...rest: unknown[]) => Promise<unknown>
const { JwtTokenGenerator } = lib('services/tokenGenerator') as { JwtTokenGenerator: { prototype: { generate: Generate } } }
const generate = JwtTokenGenerator.prototype.generate
JwtTokenGenerator.prototype.generate = function (ctx, user, ...rest) {
  const Attributes = user.Attributes.filter((a) => !(a.Name === 'email_verified' && a.Value !== 'true'))
  return generate.call(this, ctx, { ...user, Attributes }, ...rest)
}

// As cognito-local's bin/start.js does.
const pino = require(require.resolve('pino', { paths: [require.resolve('cognito-local')] }))
const pretty = require(require.resolve('pino-pretty', { paths: [require.resolve('cognito-local')] }))
const logger = pino({ level: process.env.DEBUG ? 'debug' : 'info' }, pretty({ colorize: false, ignore: 'pid,name,hostname', singleLine: true }))
createDefaultServer(logger)
  .then((server) => server.start())
  .then(() => logger.info(`Cognito Local running on http://${process.env.HOST}:${process.env.PORT}`))
  .catch((err) => {
    logger.error(err)
    process.exit(1)
  })
