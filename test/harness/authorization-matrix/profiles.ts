import { randomBytes } from 'node:crypto';
import { RecordPermission, Role } from '../../../lib/enums';
import { AuthService } from '../../../services/identity/auth-service';
import { SYSTEM_ACTOR } from '../../../services/shared/audit';
import { expectOk } from '../permission-sets';
import { type StewardStack, uniqueName } from '../steward';

/** Who calls: nobody, a user without roles, a holder of one record permission (directly or through a group), or a role. */
export interface Profile {
  name: string;
  /** The record permission this profile holds on the fixtures, when it holds one. */
  permission?: RecordPermission;
  /** Set when the permission comes through a user group rather than a grant to the user. */
  groupId?: string;
  roles: Role[];
  /** Absent for the anonymous profile. */
  user?: { id: string; username: string; password: string; token: string };
}

export const ANONYMOUS = 'anonymous';
export const NO_ROLE = 'no role';
export const SESSION_BROKER = 'session broker';
export const OPERATOR = 'operator';
export const ADMINISTRATOR = 'administrator';

export function grantProfileName(permission: RecordPermission, viaGroup: boolean): string {
  return viaGroup ? `${permission} via group` : permission;
}

const GRANT = 'mutation ($input: GrantRecordPermissionsInput!) { grantRecordPermissions(input: $input) { grant { id } } }';

/** A user with these roles and a password the test knows (changePassword and logout need it), signed in. */
export async function createKnownUser(stack: StewardStack, roles: Role[]): Promise<NonNullable<Profile['user']>> {
  const username = uniqueName('matrix');
  const password = randomBytes(18).toString('base64url');
  const user = await new AuthService(stack.orm.em.fork()).createUser(SYSTEM_ACTOR, username, password, roles);
  return { id: user.id, username, password, token: await login(stack, username, password) };
}

export async function login(stack: StewardStack, username: string, password: string): Promise<string> {
  const result = await stack.graphql<{ login: { token: string } }>('mutation ($input: LoginInput!) { login(input: $input) { token } }', { input: { username, password } });
  return expectOk(result).login.token;
}

/** Every profile of the matrix; the grant profiles hold nothing yet (see grantOn). Users are made side by side: hashing passwords is slow. */
export async function createProfiles(stack: StewardStack, adminToken: string): Promise<Profile[]> {
  const withRoles = async (name: string, roles: Role[]): Promise<Profile> => ({ name, roles, user: await createKnownUser(stack, roles) });
  const holders = Object.values(RecordPermission).flatMap((permission) => [
    (async (): Promise<Profile> => ({ name: grantProfileName(permission, false), permission, roles: [], user: await createKnownUser(stack, []) }))(),
    (async (): Promise<Profile> => {
      const user = await createKnownUser(stack, []);
      const group = expectOk(
        await stack.graphql<any>('mutation ($input: CreateUserGroupInput!) { createUserGroup(input: $input) { group { id } } }', { input: { name: uniqueName(permission) } }, adminToken),
      ).createUserGroup.group.id as string;
      expectOk(await stack.graphql('mutation ($input: UserGroupMemberInput!) { addUserGroupMember(input: $input) { group { id } } }', { input: { groupId: group, userId: user.id } }, adminToken));
      return { name: grantProfileName(permission, true), permission, groupId: group, roles: [], user };
    })(),
  ]);
  return Promise.all([
    { name: ANONYMOUS, roles: [] },
    withRoles(NO_ROLE, []),
    ...holders,
    withRoles(SESSION_BROKER, [Role.SESSION_BROKER]),
    withRoles(OPERATOR, [Role.OPERATOR]),
    withRoles(ADMINISTRATOR, [Role.SYSTEM_ADMINISTRATOR]),
  ]);
}

/** Gives a grant profile its permission on the record, to the user or to its group; other profiles get nothing. */
export async function grantOn(stack: StewardStack, adminToken: string, profile: Profile, recordId: string): Promise<void> {
  if (!profile.permission || !profile.user) return;
  const subject = profile.groupId ? { groupId: profile.groupId } : { userId: profile.user.id };
  expectOk(await stack.graphql(GRANT, { input: { recordId, ...subject, permissions: [profile.permission] } }, adminToken));
}
