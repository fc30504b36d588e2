import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type DocumentNode,
  getNamedType,
  getNullableType,
  getVariableValues,
  type GraphQLSchema,
  GraphQLError,
  isIntrospectionType,
  isLeafType,
  isListType,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { type ComplexityEstimatorArgs, fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Fields nested in one another, the top-level field counting as 1; fragments add no level. */
const MAX_DEPTH = 10;
const MAX_ALIASES = 15;
const MAX_DIRECTIVES = 20;
const MAX_TOKENS = 1000;
const MAX_COST = 2000;
/** Nothing bounds a plain list (one that is not a connection) before it runs, so each is costed as this many items. */
const ASSUMED_LIST_LENGTH = 5;

/** GraphQL's own parser stops at this many tokens, before it builds anything. */
export const queryParseOptions: ParseOptions = { maxTokens: MAX_TOKENS };

/**
 * GraphQL Armor throws from inside validation by default, which Apollo answers with a 500. Reported
 * instead, the request is refused as GRAPHQL_VALIDATION_FAILED with a 400. Armor starts its messages
 * with "Syntax Error", which these are not.
 */
const refuseAsInvalid = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')))],
};

/** Refuse documents too deep, with too many aliases or too many directives, before anything runs. */
export const queryShapeRules: ValidationRule[] = [
  maxDepthRule({ n: MAX_DEPTH, flattenFragments: true, ...refuseAsInvalid }),
  maxAliasesRule({ n: MAX_ALIASES, ...refuseAsInvalid }),
  maxDirectivesRule({ n: MAX_DIRECTIVES, ...refuseAsInvalid }),
];

/** A plain list of objects costs its assumed length times what each item asks for. Introspection keeps the simple count. */
function plainListEstimator({ type, field, childComplexity }: ComplexityEstimatorArgs): number | undefined {
  const fieldType = getNullableType(field.type);
  if (isIntrospectionType(type) || !isListType(fieldType) || isLeafType(getNamedType(fieldType))) return undefined;
  return ASSUMED_LIST_LENGTH * Math.max(childComplexity, 1);
}

/** For a list costed as one item: a page's edges (its connection counts the page size) or the tree's one root. */
export function costedAsOneItem({ childComplexity }: { childComplexity: number }): number {
  return 1 + childComplexity;
}

function tooCostly(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

/** Throws when the operation would cost more than MAX_COST; used for HTTP requests (below) and subscriptions (api/websocket-server.ts). */
export function refuseCostlyOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | null | undefined,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): void {
  // Variables of the wrong type: GraphQL refuses the operation with BAD_USER_INPUT before anything runs.
  if (getVariableValues(schema, operation?.variableDefinitions ?? [], variables ?? {}).errors) return;
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      operationName: operationName ?? undefined,
      variables: variables ?? undefined,
      estimators: [fieldExtensionsEstimator(), plainListEstimator, simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch {
    // Fragments that fan out past the fields graphql-query-complexity will visit: what cannot be costed does not run.
    throw tooCostly('This query expands to too many fields to cost; ask for fewer fields');
  }
  if (cost > MAX_COST) {
    throw tooCostly(`This query costs ${cost}, over the limit of ${MAX_COST}; ask for smaller pages or fewer fields`);
  }
}

/**
 * Refuses operations that would cost more than MAX_COST before anything runs. A connection costs its
 * page size (api/inputs/page-args.ts) and a plain list ASSUMED_LIST_LENGTH, each times what an item
 * asks for; any other field costs 1 plus what it asks for. It runs once the operation is known,
 * because page sizes may be variables; by then validation has refused unknown fragments and cycles.
 */
export function queryCostLimit(schema: GraphQLSchema): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          refuseCostlyOperation(schema, document, operation, request.operationName, request.variables);
        },
      };
    },
  };
}
