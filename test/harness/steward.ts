import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { type ApiServerOptions, startApiServer, type RunningApiServer } from '../../api/http-server';
import { openDatabase } from '../../db/database';
import { DEFAULT_ACCOUNT_POLICY, DEFAULT_SERVER_IDENTITY } from '../../infra/config';
import { LOCAL_NODE } from '../../lib/nodes';
import { Role } from '../../lib/enums';
import { AuthService } from '../../services/identity/auth-service';
import { SYSTEM_ACTOR } from '../../services/shared/audit';
import { checkTemporal, connectTemporalClient, lazyTemporalClient } from '../../temporal/connection';
import { startOutboxRelay } from '../../temporal/outbox-relay';
import { temporalPorts } from '../../temporal/ports';
import { createStewardWorker, NativeConnection } from '../../temporal/worker';
import { TEST_MASTER_KEY, testEnvironment } from './test-env';

export interface GraphqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string } }[];
}

/** A running Steward — API, worker for the local node, Temporal client — against the shared test services. */
export interface StewardStack {
  orm: MikroORM;
  client: Client;
  api: RunningApiServer;
  masterKey: Buffer;
  graphql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphqlResult<T>>;
  /** Creates a user with the given roles and returns a bearer token for them. */
  signIn(roles: Role[]): Promise<string>;
  stop(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * `databaseUrl` defaults to the run's database; another one must be migrated first (see databases.ts).
 * `api` overrides the API's development defaults (plain http, introspection on, the default
 * account policy, no trusted proxy).
 */
export async function startStewardStack(
  options: {
    worker?: boolean;
    databaseUrl?: string;
    api?: Partial<Pick<ApiServerOptions, 'port' | 'publicUrl' | 'introspection' | 'accounts' | 'trustProxy'>>;
    /** A Temporal server of the test's own, for every part of the stack; the run's shared one by default. */
    temporalAddress?: string;
    /** Where the API (and its outbox relay) look for Temporal; a dead address stands for a Temporal the API cannot reach. */
    apiTemporalAddress?: string;
    /** A Temporal namespace of the stack's own (registered first, see namespaces.ts), for servers side by side on one Temporal; the jest worker's otherwise. */
    namespace?: string;
    /** The server's name among Steward servers that share client tasks (STEWARD_SERVER_NAME); `steward` by default. */
    serverName?: string;
  } = {},
): Promise<StewardStack> {
  const env = testEnvironment();
  const masterKey = Buffer.from(TEST_MASTER_KEY, 'base64');
  const orm = await openDatabase(options.databaseUrl ?? env.databaseUrl);
  const temporalAddress = options.temporalAddress ?? env.temporalAddress;
  // A Temporal server of the test's own has only `default`.
  const namespace = options.namespace ?? (options.temporalAddress ? 'default' : env.temporalNamespace);
  const client = await connectTemporalClient({ address: temporalAddress, namespace, masterKey });
  const apiClient = options.apiTemporalAddress ? lazyTemporalClient({ address: options.apiTemporalAddress, namespace, masterKey }) : client;
  // The URL is known once the API listens; the identity services read it from this object.
  const server = { name: options.serverName ?? DEFAULT_SERVER_IDENTITY.name, url: DEFAULT_SERVER_IDENTITY.url };
  const ports = temporalPorts(apiClient, masterKey, undefined, server);
  const relay = startOutboxRelay(orm, ports);
  const listening = await startApiServer({
    orm,
    ports,
    port: 0,
    masterKey,
    codecOrigins: ['http://localhost:8233'],
    publicUrl: 'http://localhost',
    introspection: true,
    accounts: DEFAULT_ACCOUNT_POLICY,
    trustProxy: false,
    checkTemporal: () => checkTemporal(apiClient),
    ...options.api,
  });
  // Tests reach the API by address, not by name: resolving "localhost" waits for a free thread in
  // libuv's small pool, which a busy in-process worker can hold past fetch's 10 s connect timeout.
  const api: RunningApiServer = { ...listening, url: listening.url.replace('//localhost:', '//127.0.0.1:') };
  server.url = api.url;

  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  let workerConnection: NativeConnection | undefined;
  if (options.worker !== false) {
    workerConnection = await NativeConnection.connect({ address: temporalAddress });
    worker = await createStewardWorker({
      connection: workerConnection,
      namespace,
      nodeName: LOCAL_NODE,
      masterKey,
      orm,
      client,
      server,
      workflowBundle: { codePath: env.workflowBundlePath },
    });
    workerRun = worker.run();
  }

  const graphql = async <T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphqlResult<T>> => {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphqlResult<T>;
  };

  return {
    orm,
    client,
    api,
    masterKey,
    graphql,
    async signIn(roles) {
      const username = uniqueName('user');
      const password = randomBytes(18).toString('base64url');
      await new AuthService(orm.em.fork()).createUser(SYSTEM_ACTOR, username, password, roles);
      const result = await graphql<{ login: { token: string } }>(
        'mutation ($input: LoginInput!) { login(input: $input) { token } }',
        { input: { username, password } },
      );
      if (!result.data) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
      return result.data.login.token;
    },
    async stop() {
      if (worker) {
        worker.shutdown();
        await workerRun;
        await workerConnection?.close();
      }
      await api.close();
      await relay.stop();
      if (apiClient !== client) await apiClient.connection.close();
      await client.connection.close();
      await orm.close();
    },
  };
}

export const ADMIN_ROLES = [Role.SYSTEM_ADMINISTRATOR, Role.OPERATOR];

/** Polls (every `intervalMs`) until `check` returns a value, or fails after the timeout with the last seen state. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'condition', intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
