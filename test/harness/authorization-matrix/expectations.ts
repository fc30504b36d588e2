import { RecordPermission, Role } from '../../../lib/enums';
import { effectivePermissions } from '../../../lib/record-permissions';
import type { MatrixFixtures } from './fixtures';
import type { Profile } from './profiles';

export type Outcome = 'ALLOWED' | 'FORBIDDEN' | 'NOT_FOUND' | 'UNAUTHENTICATED';

/** What a profile must get from a field. */
export type Expectation = (profile: Profile) => Outcome;

export interface Call {
  variables: Record<string, unknown>;
  /** The token to call with, when not the profile's own (logout ends the one it comes with). */
  token?: string;
  /** Bookkeeping once an allowed call went through (changePassword changes what the profile signs in with). */
  onAllowed?: () => void;
}

export interface Row {
  expect: Expectation;
  /**
   * A valid call of the field for this profile, against the fixtures (built before the row counts
   * are read). `allowed` says whether the call is expected to go through: only then does it need
   * objects of its own; a refused call may use the shared fixtures, which it must leave as they are.
   */
  call(profile: Profile, fixtures: MatrixFixtures, allowed: boolean): Call | Promise<Call>;
}

const isAdministrator = (profile: Profile) => profile.roles.includes(Role.SYSTEM_ADMINISTRATOR);

/** Anyone, signed in or not. */
export const everyone: Expectation = () => 'ALLOWED';

/** Any signed-in user (what they see may still be filtered). */
export const signedIn: Expectation = (profile) => (profile.user ? 'ALLOWED' : 'UNAUTHENTICATED');

/** A signed-in user with one of these roles; others are FORBIDDEN. */
export function withRole(...roles: Role[]): Expectation {
  return (profile) => (!profile.user ? 'UNAUTHENTICATED' : roles.some((role) => profile.roles.includes(role)) ? 'ALLOWED' : 'FORBIDDEN');
}

export const administrators = withRole(Role.SYSTEM_ADMINISTRATOR);

/**
 * Client task fields are governed by product permission sets, which no profile holds: only
 * administrators pass.
 */
export const productPermission = administrators;

/**
 * A record permission on the fixture record: its holders (implied permissions included) and
 * administrators pass; a profile that may view the record but lacks the permission is FORBIDDEN;
 * one that may not view it is told the record does not exist.
 */
export function recordPermission(permission: RecordPermission): Expectation {
  return (profile) => {
    if (!profile.user) return 'UNAUTHENTICATED';
    if (isAdministrator(profile)) return 'ALLOWED';
    if (!profile.permission) return 'NOT_FOUND';
    const held = effectivePermissions([profile.permission]);
    if (held.has(permission)) return 'ALLOWED';
    return held.has(RecordPermission.VIEW) ? 'FORBIDDEN' : 'NOT_FOUND';
  };
}

/** A row whose call does not depend on the profile. */
export function row(expect: Expectation, variables: (fixtures: MatrixFixtures) => Record<string, unknown> | Promise<Record<string, unknown>> = () => ({})): Row {
  return { expect, call: async (_profile, fixtures) => ({ variables: await variables(fixtures) }) };
}

/** A row whose mutation takes `input`; `allowed` as in Row.call. */
export function input(
  expect: Expectation,
  build: (fixtures: MatrixFixtures, profile: Profile, allowed: boolean) => Record<string, unknown> | Promise<Record<string, unknown>>,
): Row {
  return { expect, call: async (profile, fixtures, allowed) => ({ variables: { input: await build(fixtures, profile, allowed) } }) };
}
