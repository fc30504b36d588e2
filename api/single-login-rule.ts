import { type ASTVisitor, GraphQLError, Kind, type SelectionSetNode, type ValidationContext } from 'graphql';

/**
 * A request may carry at most one `login`: aliased copies would otherwise try many passwords in
 * one request, past the login throttle's view of separate attempts. Counts the distinct logins an
 * operation runs, through inline fragments and fragment spreads too.
 */
export function singleLoginRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      if (operation.operation !== 'mutation') return;
      if (loginResponseKeys(context, operation.selectionSet, new Set()).size > 1) {
        context.reportError(new GraphQLError('A request may carry at most one login', { nodes: operation }));
      }
    },
  };
}

/** Response keys (alias or name) of the login fields in a root selection; the same key twice runs once. */
function loginResponseKeys(context: ValidationContext, selectionSet: SelectionSetNode, seenFragments: Set<string>): Set<string> {
  const keys = new Set<string>();
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === 'login') keys.add(selection.alias?.value ?? 'login');
      continue;
    }
    let nested: SelectionSetNode | undefined;
    if (selection.kind === Kind.INLINE_FRAGMENT) nested = selection.selectionSet;
    else if (!seenFragments.has(selection.name.value)) {
      // Remembered before descending, so a fragment cycle (refused by another rule) ends here.
      seenFragments.add(selection.name.value);
      nested = context.getFragment(selection.name.value)?.selectionSet;
    }
    if (nested) for (const key of loginResponseKeys(context, nested, seenFragments)) keys.add(key);
  }
  return keys;
}
