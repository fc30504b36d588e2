import type { ApolloServerPlugin } from '@apollo/server';
import { type GraphQLSchema, GraphQLError } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Refuses operations that would cost more than `maximum`; connections cost their page size. */
export function complexityLimit(schema: GraphQLSchema, maximum: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let complexity: number;
          try {
            complexity = getComplexity({
              schema,
              query: document,
              operationName: request.operationName,
              variables: request.variables,
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch {
            // Variables of the wrong type: GraphQL refuses the operation with BAD_USER_INPUT before anything runs.
            return;
          }
          if (complexity > maximum) {
            throw new GraphQLError(`This query costs ${complexity}, over the limit of ${maximum}; ask for smaller pages or fewer fields`, {
              extensions: { code: 'BAD_USER_INPUT' },
            });
          }
        },
      };
    },
  };
}
