import type { IncomingMessage, Server } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type ExecutionArgs, getOperationAST, GraphQLError, type GraphQLSchema, parse, specifiedRules, validate } from 'graphql';
import type { Context } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createServices, type ServicePorts } from '../services';
import type { AccountPolicy } from '../infra/config';
import { clientAddress } from './client-address';
import { type Caller, createContext, type StewardContext } from './context';
import { formatError } from './format-error';
import type { LiveEvents } from './live/live-events';
import { queryParseOptions, queryShapeRules, refuseCostlyOperation } from './query-limits';

export interface SubscriptionServerOptions {
  orm: MikroORM;
  ports: ServicePorts;
  accounts: AccountPolicy;
  trustProxy: boolean;
  events: LiveEvents;
  /** The largest message a client may send, as for request bodies. */
  maxPayloadBytes: number;
}

/** What a connection keeps once its token is accepted. */
interface Connection {
  token: string;
  caller: Caller;
}

type SocketContext = Context<Record<string, unknown>, Extra & { connection?: Connection }>;

/** `authorization: 'Bearer <token>'` from the connection parameters (graphql-ws's connection_init payload). */
function bearerTokenOf(params: Record<string, unknown> | undefined): string | null {
  const value = params?.authorization ?? params?.Authorization;
  const match = typeof value === 'string' ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match?.[1] ?? null;
}

function refusal(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });
}

/**
 * GraphQL subscriptions over WebSocket (graphql-ws's graphql-transport-ws protocol) on the API's
 * server and path, /graphql. A connection is accepted only with a valid token in its connection
 * parameters (cookies are not read, so another site cannot ride a browser's session); it may
 * only subscribe, with the same limits on documents as HTTP requests. Queries and mutations go
 * over HTTP, where their limits, audit and cookies are handled.
 */
export function serveSubscriptions(server: Server, schema: GraphQLSchema, options: SubscriptionServerOptions): { close(): Promise<void> } {
  const sockets = new WebSocketServer({ server, path: '/graphql', maxPayload: options.maxPayloadBytes });
  const openServices = () => {
    const em = options.orm.em.fork();
    return { em, services: createServices(em, options.ports, options.accounts) };
  };
  const authenticate = async (token: string) => (await openServices().services.auth.authenticate(token)) ?? null;

  const contextFor = (connection: Connection): StewardContext => {
    const { em, services } = openServices();
    return {
      ...createContext(connection.caller, em, services),
      live: {
        events: options.events,
        async fresh() {
          const opened = openServices();
          const authentication = await opened.services.auth.authenticate(connection.token);
          return { user: authentication?.user ?? null, services: opened.services };
        },
      },
    };
  };

  const subscriptions = useServer(
    {
      schema,
      // false closes the socket with 4403 Forbidden: no valid token, no connection.
      onConnect: async (ctx: SocketContext) => {
        const token = bearerTokenOf(ctx.connectionParams);
        const authentication = token ? await authenticate(token) : null;
        if (!token || !authentication) return false;
        const request: IncomingMessage = ctx.extra.request;
        ctx.extra.connection = { token, caller: { user: authentication.user, tokenId: authentication.tokenId, clientAddress: clientAddress(request, options.trustProxy) } };
        return true;
      },
      onSubscribe: (ctx: SocketContext, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
        let document;
        try {
          document = parse(payload.query, queryParseOptions);
        } catch (error) {
          return [error instanceof GraphQLError ? error : refusal('The document could not be parsed')];
        }
        const invalid = validate(schema, document, [...specifiedRules, ...queryShapeRules]);
        if (invalid.length) return invalid;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') return [refusal('Send only subscriptions over WebSocket; queries and mutations go over HTTP POST to /graphql')];
        try {
          refuseCostlyOperation(schema, document, operation, payload.operationName, payload.variables);
        } catch (error) {
          return [error as GraphQLError];
        }
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: contextFor(ctx.extra.connection!) };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)),
    },
    sockets,
  );

  return {
    /** Closes every WebSocket (1001 Going Away), so clients reconnect to another API process. */
    async close() {
      await subscriptions.dispose();
    },
  };
}
