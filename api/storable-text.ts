import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, type DocumentNode, GraphQLError, visit } from 'graphql';

/**
 * PostgreSQL cannot store NUL in text and refuses the whole statement over it; a lone surrogate
 * is not Unicode, and would be stored as U+FFFD (or refused in jsonb), changing what was sent.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where in a variable's value (keys included) the first string that cannot be stored is, if any. */
function unstorableAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : undefined;
  if (!value || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = UNSTORABLE.test(key) ? `${path}.${key}` : unstorableAt(item, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** Names the first variable or string literal of a request that holds text no field can store. */
export function unstorableText(document: DocumentNode, variables: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(variables)) {
    const found = unstorableAt(value, `$${name}`);
    if (found) return `Variable ${found}`;
  }
  let literal: string | undefined;
  visit(document, {
    StringValue(node) {
      if (!UNSTORABLE.test(node.value)) return undefined;
      literal = `A string in the query (line ${node.loc?.startToken.line ?? '?'})`;
      return BREAK;
    },
  });
  return literal;
}

/** Refuses text that cannot be stored before anything runs, rather than failing inside a query. */
export function storableTextOnly(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const where = unstorableText(document, request.variables ?? {});
          if (where) {
            throw new GraphQLError(`${where} holds a NUL character or a lone UTF-16 surrogate, which no field accepts`, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
