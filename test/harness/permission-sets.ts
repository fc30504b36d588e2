import { type GraphqlResult, type StewardStack, uniqueName } from './steward';

export interface ProductGrant {
  productId: string;
  capabilities: Array<'VIEW' | 'EDIT' | 'APPROVE'>;
  editRequiresApproval?: boolean;
}

export interface SignedInUser {
  token: string;
  userId: string;
}

export function expectOk<T = any>(result: GraphqlResult<T>): T {
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!;
}

/** A new user without roles, holding one new permission set with these grants (none: no set at all). */
export async function signInWithGrants(stack: StewardStack, adminToken: string, grants: ProductGrant[] | null): Promise<SignedInUser> {
  const token = await stack.signIn([]);
  const userId = expectOk(await stack.graphql<{ me: { id: string } }>('{ me { id } }', {}, token)).me.id;
  if (grants) {
    const created = expectOk(
      await stack.graphql<any>(
        'mutation ($input: CreatePermissionSetInput!) { createPermissionSet(input: $input) { permissionSet { id } } }',
        { input: { name: uniqueName('set'), grants } },
        adminToken,
      ),
    );
    expectOk(
      await stack.graphql(
        'mutation ($input: PermissionSetUserInput!) { assignPermissionSet(input: $input) { user { id } } }',
        { input: { permissionSetId: created.createPermissionSet.permissionSet.id, userId } },
        adminToken,
      ),
    );
  }
  return { token, userId };
}

/** The server-wide approval setting; tests that turn it on turn it off again, since other test files share the database. */
export async function setApprovalRequired(stack: StewardStack, adminToken: string, required: boolean): Promise<void> {
  expectOk(
    await stack.graphql(
      'mutation ($input: SetClientTaskApprovalRequiredInput!) { setClientTaskApprovalRequired(input: $input) { clientTaskApprovalRequired } }',
      { input: { required } },
      adminToken,
    ),
  );
}

/** Product name → id, and "Product/Type" → task type id. */
export async function catalogIds(stack: StewardStack, token: string): Promise<{ products: Map<string, string>; taskTypes: Map<string, string> }> {
  const data = expectOk(await stack.graphql<any>('{ products { id name taskTypes { id name } } }', {}, token));
  const products = new Map<string, string>();
  const taskTypes = new Map<string, string>();
  for (const product of data.products) {
    products.set(product.name, product.id);
    for (const type of product.taskTypes) taskTypes.set(`${product.name}/${type.name}`, type.id);
  }
  return { products, taskTypes };
}
