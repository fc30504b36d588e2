import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS } from '../infra/config';
import { logger, withLogContext } from '../infra/logger';
import { METRICS_CONTENT_TYPE, metricsText, registerDatabaseGauges } from '../infra/metrics';
import { isDatabaseUnavailable } from '../db/database';
import { Role } from '../lib/enums';
import type { MasterKeys } from '../lib/master-keyring';
import { NodeRoutingCodec } from '../temporal/node-codec';
import { createServices } from '../services';
import { readDatabaseGauges } from '../services/jobs/job-gauges';
import { clientAddress } from './client-address';
import { applyCors, serveCodec } from './codec-endpoint';
import { type ApiDependencies, type Caller, createContext, type StewardContext } from './context';
import { drainOnClose } from './draining';
import { serveExplorer } from './explorer/serve-explorer';
import { isNodeRequest, serveNodeRequest } from './node-endpoint';
import { DATABASE_UNAVAILABLE, formatError } from './format-error';
import { queryCostLimit, queryParseOptions, queryShapeRules } from './query-limits';
import { databaseCheck, type ReadinessCheck, serveReadiness } from './readiness';
import { buildStewardSchema } from './schema';
import { singleLoginRule } from './single-login-rule';
import { storableTextOnly } from './storable-text';
import { LiveEvents } from './live/live-events';
import { serveSubscriptions } from './websocket-server';

export interface ApiServerOptions extends ApiDependencies {
  port: number;
  masterKey: MasterKeys;
  /** Origins of Temporal Web UIs allowed to call the codec endpoint with credentials. */
  codecOrigins: readonly string[];
  /** How browsers reach the API; over https, the session cookie is sent only over https. */
  publicUrl: string;
  /** Whether clients may ask for the schema (off in production unless configured). */
  introspection: boolean;
  /** Whether Temporal answers, for /readyz; passed in, so the API itself stays free of Temporal. */
  checkTemporal: ReadinessCheck;
}

export interface RunningApiServer {
  url: string;
  port: number;
  /** Stops accepting requests, lets those in flight finish for up to `drainMs`, then closes. */
  close(drainMs?: number): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** Administrators check in product packages (up to 64 MiB, base64 in the request), so their requests may be larger. */
const MAX_ADMIN_BODY_BYTES = 96 * 1024 * 1024;
const SESSION_COOKIE = 'steward_session';

/** The caller's X-Request-ID when it is a plain token (a proxy's, say), else a new one; it is on every log line of the request. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** One access line a request once it is answered; probes and scrapes only at debug level. */
function logWhenServed(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const probe = ['/healthz', '/readyz', '/metrics'].includes(url.pathname);
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    logger[probe ? 'debug' : 'info']({ requestId, method: req.method, path: url.pathname, status: res.statusCode, durationMs }, 'request served');
  });
}

async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (match) return match[1]!;
  const cookie = (req.headers.cookie ?? '').split(';').map((part) => part.trim().split('='));
  return cookie.find(([name]) => name === SESSION_COOKIE)?.[1] ?? null;
}

/** The GraphQL API, the Temporal payload codec endpoint and a health check, on one port. */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const events = new LiveEvents();
  const schema = await buildStewardSchema(events);
  const apollo = new ApolloServer<StewardContext>({
    schema,
    formatError,
    parseOptions: queryParseOptions,
    validationRules: [...queryShapeRules, singleLoginRule],
    // Browsers get the explorer served from installed packages (api/explorer/), not Apollo's CDN-hosted landing page.
    plugins: [queryCostLimit(schema), storableTextOnly(), ApolloServerPluginLandingPageDisabled()],
    introspection: options.introspection,
  });
  await apollo.start();
  const codec = new NodeRoutingCodec({ masterKeys: options.masterKey });
  const secureCookie = new URL(options.publicUrl).protocol === 'https:';
  /** The browser's session for the codec endpoint; sent back only over https when the API is served over https. */
  const sessionCookie = (value: string, maxAgeSeconds: number): string =>
    `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Lax; Path=/codec; Max-Age=${maxAgeSeconds}${secureCookie ? '; Secure' : ''}`;

  const authenticate = async (req: IncomingMessage): Promise<Caller & Pick<StewardContext, 'em' | 'services'>> => {
    const em = options.orm.em.fork();
    const services = createServices(em, options.ports, options.accounts);
    const token = bearerToken(req);
    const authentication = token ? await services.auth.authenticate(token) : null;
    const caller = { user: authentication?.user ?? null, tokenId: authentication?.tokenId ?? null, clientAddress: clientAddress(req, options.trustProxy) };
    return { ...caller, em, services };
  };

  const handleGraphql = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    // Who is asking decides how much of a body is read, so the caller is known before reading it.
    const { em, services, ...caller } = await authenticate(req);
    const { user } = caller;
    const raw = req.method === 'POST' ? await readBody(req, user?.hasRole(Role.SYSTEM_ADMINISTRATOR) ? MAX_ADMIN_BODY_BYTES : MAX_BODY_BYTES) : '';
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let context: StewardContext | undefined;
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body: raw ? JSON.parse(raw) : undefined },
      context: async () => {
        context = createContext(caller, em, services);
        return context;
      },
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    const { login, ended } = context?.session ?? {};
    if (login) res.setHeader('set-cookie', sessionCookie(login.token, Math.floor((login.apiToken.expiresAt.getTime() - Date.now()) / 1000)));
    else if (ended) res.setHeader('set-cookie', sessionCookie('', 0));
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const handleCodec = async (req: IncomingMessage, res: ServerResponse, operation: 'encode' | 'decode'): Promise<void> => {
    applyCors(req, res, options.codecOrigins);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const { user } = await authenticate(req);
    if (!user) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('sign in: send a bearer token or the session cookie from login');
      return;
    }
    if (!user.hasRole(Role.OPERATOR) && !user.hasRole(Role.SYSTEM_ADMINISTRATOR)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('the codec endpoint is open only to operators');
      return;
    }
    await serveCodec(codec, operation, JSON.parse((await readBody(req)) || 'null'), res);
  };

  registerDatabaseGauges(() => readDatabaseGauges(options.orm.em.fork()));

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    logWhenServed(req, res, url, requestId);
    const route = async (): Promise<void> => {
      if (serveExplorer(req, res, url, { introspection: options.introspection })) return;
      if (url.pathname === '/graphql') return handleGraphql(req, res, url);
      if (url.pathname === '/codec/encode') return handleCodec(req, res, 'encode');
      if (url.pathname === '/codec/decode') return handleCodec(req, res, 'decode');
      if (isNodeRequest(url)) return serveNodeRequest(req, res, url, bearerToken(req), () => readBody(req), createServices(options.orm.em.fork(), options.ports, options.accounts));
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      if (url.pathname === '/readyz') return serveReadiness(res, { postgres: databaseCheck(options.orm), temporal: options.checkTemporal });
      if (url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(await metricsText());
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the API is at /graphql');
    };
    withLogContext({ requestId }, route).catch((error: unknown) => {
      // A caller that hung up while sending its request leaves nobody to answer, and nothing here failed
      // (its reset must not read as a lost database connection, which shares the code).
      if (req.destroyed && (error as { code?: string }).code === 'ECONNRESET') {
        logger.info({ requestId }, 'the client closed the connection before its request was read');
        return;
      }
      // Callers are known before GraphQL runs, so a database that is away can fail a request here too.
      if (isDatabaseUnavailable(error)) {
        logger.error({ requestId }, `request failed, the database is unavailable: ${(error as Error).message}`);
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [DATABASE_UNAVAILABLE] }));
        return;
      }
      const badRequest = error instanceof SyntaxError || (error as Error).message === 'request body too large';
      if (!badRequest) logger.error({ requestId, err: error }, 'request failed');
      if (!res.headersSent) res.writeHead(badRequest ? 400 : 500, { 'content-type': 'text/plain' });
      res.end(badRequest ? 'bad request' : 'internal server error');
    });
  });

  // Subscriptions share the port and the path /graphql: WebSocket upgrades go to graphql-ws.
  await events.listen(options.orm.config.get('clientUrl')!);
  const subscriptions = serveSubscriptions(server, schema, { ...options, events, maxPayloadBytes: MAX_BODY_BYTES });
  const drain = drainOnClose(server);
  await new Promise<void>((resolve) => server.listen(options.port, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    async close(drainMs = DEFAULT_SHUTDOWN_GRACE_SECONDS * 1000) {
      await subscriptions.close();
      await drain(drainMs);
      await apollo.stop();
      await events.close();
    },
  };
}
