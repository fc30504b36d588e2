import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import { Role } from '../lib/enums';
import { EncryptionCodec } from '../temporal/encryption-codec';
import { createServices } from '../services';
import { applyCors, serveCodec } from './codec-endpoint';
import { complexityLimit } from './complexity-plugin';
import { type ApiDependencies, createContext, type StewardContext } from './context';
import { formatError } from './format-error';
import { buildStewardSchema } from './schema';

export interface ApiServerOptions extends ApiDependencies {
  port: number;
  masterKey: Buffer;
  /** Origins of Temporal Web UIs allowed to call the codec endpoint with credentials. */
  codecOrigins: readonly string[];
}

export interface RunningApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_DEPTH = 10;
const MAX_COMPLEXITY = 2000;
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
    validationRules: [depthLimit(MAX_DEPTH)],
    plugins: [complexityLimit(schema, MAX_COMPLEXITY)],
    introspection: true,
  });
  await apollo.start();
  const codec = new EncryptionCodec(options.masterKey);

  const authenticate = async (req: IncomingMessage): Promise<Pick<StewardContext, 'user' | 'em' | 'services'>> => {
    const em = options.orm.em.fork();
    const services = createServices(em, options.ports);
    const token = bearerToken(req);
    return { user: token ? await services.auth.authenticate(token) : null, em, services };
  };

  const handleGraphql = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    // Who is asking decides how much of a body is read, so the caller is known before reading it.
    const { user, em, services } = await authenticate(req);
    const raw = req.method === 'POST' ? await readBody(req, user?.hasRole(Role.SYSTEM_ADMINISTRATOR) ? MAX_ADMIN_BODY_BYTES : MAX_BODY_BYTES) : '';
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let context: StewardContext | undefined;
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body: raw ? JSON.parse(raw) : undefined },
      context: async () => {
        context = createContext(user, em, services);
        return context;
      },
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    if (context?.session.token) {
      res.setHeader('set-cookie', `${SESSION_COOKIE}=${context.session.token}; HttpOnly; SameSite=Lax; Path=/codec; Max-Age=43200`);
    }
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
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the API is at /graphql');
    };
    route().catch((error: unknown) => {
      const badRequest = error instanceof SyntaxError || (error as Error).message === 'request body too large';
      if (!badRequest) console.error('request failed', error);
      if (!res.headersSent) res.writeHead(badRequest ? 400 : 500, { 'content-type': 'text/plain' });
      res.end(badRequest ? 'bad request' : 'internal server error');
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await apollo.stop();
    },
  };
}
