import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS } from '../infra/config';
import { Role } from '../lib/enums';
import { EncryptionCodec } from '../temporal/encryption-codec';
import { createServices } from '../services';
import { clientAddress } from './client-address';
import { applyCors, serveCodec } from './codec-endpoint';
import { type ApiDependencies, type Caller, createContext, type StewardContext } from './context';
import { drainOnClose } from './draining';
import { formatError } from './format-error';
import { queryCostLimit, queryParseOptions, queryShapeRules } from './query-limits';
import { databaseCheck, type ReadinessCheck, serveReadiness } from './readiness';
import { buildStewardSchema } from './schema';
import { singleLoginRule } from './single-login-rule';

export interface ApiServerOptions extends ApiDependencies {
  port: number;
  masterKey: Buffer;
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
  const schema = await buildStewardSchema();
  const apollo = new ApolloServer<StewardContext>({
    schema,
    formatError,
    parseOptions: queryParseOptions,
    validationRules: [...queryShapeRules, singleLoginRule],
    plugins: [queryCostLimit(schema)],
    introspection: options.introspection,
  });
  await apollo.start();
  const codec = new EncryptionCodec(options.masterKey);
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

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = async (): Promise<void> => {
      if (url.pathname === '/graphql') return handleGraphql(req, res, url);
      if (url.pathname === '/codec/encode') return handleCodec(req, res, 'encode');
      if (url.pathname === '/codec/decode') return handleCodec(req, res, 'decode');
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      if (url.pathname === '/readyz') return serveReadiness(res, { postgres: databaseCheck(options.orm), temporal: options.checkTemporal });
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the API is at /graphql');
    };
    route().catch((error: unknown) => {
      const badRequest = error instanceof SyntaxError || (error as Error).message === 'request body too large';
      if (!badRequest) console.error('request failed', error);
      if (!res.headersSent) res.writeHead(badRequest ? 400 : 500, { 'content-type': 'text/plain' });
      res.end(badRequest ? 'bad request' : 'internal server error');
    });
  });

  const drain = drainOnClose(server);
  await new Promise<void>((resolve) => server.listen(options.port, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    async close(drainMs = DEFAULT_SHUTDOWN_GRACE_SECONDS * 1000) {
      await drain(drainMs);
      await apollo.stop();
    },
  };
}
