import { randomUUID } from 'node:crypto';
import { RecordPermission, Role } from '../../../lib/enums';
import { uniqueName } from '../steward';
import { administrators, everyone, input, productPermission, recordPermission, row, type Row, signedIn, withRole } from './expectations';
import { farFuture } from './fixtures';
import { FEDERATION_MUTATION_ROWS, FEDERATION_QUERY_ROWS } from './federation-rows';
import { RECORD_IMPORT_MUTATION_ROWS } from './record-import-rows';
import { ASSIGNMENT_VIEW_QUERY_ROWS } from './assignment-view-rows';
import { CLIENT_RUN_MUTATION_ROWS } from './client-run-rows';
import { HOST_KEY_MUTATION_ROWS } from './host-key-rows';
import { SCRIPT_LIBRARY_MUTATION_ROWS, SCRIPT_LIBRARY_QUERY_ROWS } from './script-library-rows';
import { WEBHOOK_MUTATION_ROWS, WEBHOOK_QUERY_ROWS } from './webhook-rows';
import { RECORD_DEPENDENCY_MUTATION_ROWS } from './record-dependency-rows';

const { VIEW, UNLOCK, EDIT, EXECUTE, TASK_CONTROL_MANAGE } = RecordPermission;

const DAILY = { kind: 'DAILY', startAt: '2030-01-01T09:00' };
const CUSTOM_TASK = { name: 'Custom', script: 'CUSTOM_COMMAND', policyEvents: ['ON_DEMAND'], scriptParameters: { command: 'true' } };

/** checkInRecord: the requester, or an administrator; checkOutRecord: only the requester. */
function accessRequestRow(state: 'APPROVED' | 'CHECKED_OUT', administratorMay: boolean): Row {
  return {
    // Grant profiles act on their own request (every permission implies VIEW, so they may ask);
    // the others on someone else's, on a record that administrators see and the rest do not.
    expect: (profile) => {
      if (!profile.user) return 'UNAUTHENTICATED';
      if (profile.roles.includes(Role.SYSTEM_ADMINISTRATOR)) return administratorMay ? 'ALLOWED' : 'FORBIDDEN';
      return profile.permission ? 'ALLOWED' : 'NOT_FOUND';
    },
    call: async (profile, fixtures, allowed) => ({ variables: { input: { requestId: allowed ? await fixtures.newAccessRequest(profile, state) : fixtures.accessRequests[state] } } }),
  };
}

/**
 * Every Query and Mutation field, by name: who may call it, and a valid call of it. The test
 * fails for a field of schema.graphql without a row here.
 */
export const QUERY_ROWS: Record<string, Row> = {
  accessRequests: row(signedIn),
  apiTokens: row(signedIn),
  assignment: row(productPermission, (fx) => ({ id: fx.assignmentId })),
  assignmentsAt: row(signedIn, (fx) => ({ node: { groupId: fx.groupId } })),
  auditEvents: row(administrators),
  exportAuditEvents: row(administrators),
  verifyAuditChain: row(administrators),
  brokenInheritance: row(signedIn),
  clientRun: row(productPermission, (fx) => ({ id: fx.runId })),
  clientRuns: row(signedIn),
  clientTask: row(productPermission, (fx) => ({ id: fx.clientTaskId })),
  clientTaskApprovalRequired: row(signedIn),
  clientTaskChange: row(productPermission, (fx) => ({ id: fx.changeId })),
  clientTaskDeletionImpact: row(productPermission, (fx) => ({ clientTaskId: fx.clientTaskId })),
  clientTasks: row(signedIn),
  compareClientTasks: row(productPermission, (fx) => ({ leftId: fx.clientTaskId, rightId: fx.otherClientTaskId })),
  effectiveClientTasks: row(signedIn, (fx) => ({ systemId: fx.systemId })),
  fallbackSettings: row(signedIn),
  group: row(signedIn, (fx) => ({ id: fx.groupId })),
  job: row(recordPermission(VIEW), (fx) => ({ id: fx.scheduledJobId })),
  jobs: row(signedIn),
  me: row(signedIn),
  packages: row(signedIn),
  pendingClientTaskChanges: row(signedIn),
  permissionSets: row(administrators),
  products: row(signedIn),
  record: row(recordPermission(VIEW), (fx) => ({ id: fx.record.id })),
  recordType: row(recordPermission(VIEW), (fx) => ({ id: fx.recordTypeId })),
  recordTypes: row(signedIn),
  records: row(signedIn),
  sessionSettings: row(signedIn),
  system: row(signedIn, (fx) => ({ id: fx.systemId })),
  systemTree: row(signedIn),
  taskSchedulePreview: row(recordPermission(VIEW), (fx) => ({ recordId: fx.record.id, taskId: fx.ownTask.id, count: 3 })),
  userGroup: row(administrators, (fx) => ({ id: fx.userGroupId })),
  userGroups: row(administrators),
  users: row(signedIn),
  workerNodes: row(signedIn),
  // The Share Client Tasks server task (before the federation rows, which win if they name these too).
  shareClientTasksSchedule: row(administrators),
  serverTaskLog: row(administrators),
  ...FEDERATION_QUERY_ROWS,
  ...ASSIGNMENT_VIEW_QUERY_ROWS,
  ...SCRIPT_LIBRARY_QUERY_ROWS,
  ...WEBHOOK_QUERY_ROWS,
};

export const MUTATION_ROWS: Record<string, Row> = {
  // Vault records and their tasks.
  addRecordTask: input(recordPermission(TASK_CONTROL_MANAGE), (fx) => ({ recordId: fx.record.id, task: { name: uniqueName('added'), script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'] } })),
  addRecordTypeTask: input(administrators, (fx) => ({ recordTypeId: fx.recordTypeId, task: { name: uniqueName('type-task'), script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'] } })),
  addShadowHost: input(recordPermission(TASK_CONTROL_MANAGE), (fx) => fx.shadowHostInput()),
  removeShadowHost: input(recordPermission(TASK_CONTROL_MANAGE), async (fx, _profile, allowed) => ({ shadowHostId: allowed ? await fx.newShadowHost() : fx.shadowHostId })),
  createRecord: input(administrators, (fx) => fx.recordInput()),
  updateRecord: input(recordPermission(EDIT), async (fx, profile, allowed) => {
    const record = allowed ? await fx.recordFor(profile) : fx.record;
    return { recordId: record.id, version: record.version, name: uniqueName('renamed') };
  }),
  deleteRecord: input(recordPermission(EDIT), async (fx, profile, allowed) => ({ recordId: allowed ? (await fx.recordFor(profile)).id : fx.record.id })),
  unlockRecord: input(recordPermission(UNLOCK), (fx) => ({ recordId: fx.record.id, reason: 'matrix' })),
  runOnDemandTask: input(recordPermission(EXECUTE), (fx) => ({ recordId: fx.record.id, taskId: fx.ownTask.id })),
  makeRecordTasksUnique: input(recordPermission(TASK_CONTROL_MANAGE), async (fx, profile, allowed) => ({ recordId: allowed ? (await fx.recordFor(profile)).id : fx.record.id })),
  resetRecordTasks: input(recordPermission(TASK_CONTROL_MANAGE), async (fx, profile, allowed) => ({
    recordId: allowed ? (await fx.recordFor(profile, { ownTasks: true })).id : fx.record.id,
  })),
  updateTask: input(recordPermission(TASK_CONTROL_MANAGE), async (fx, _profile, allowed) => {
    const task = allowed ? await fx.newOwnTask() : fx.ownTask;
    return { taskId: task.id, version: task.version, task: { name: uniqueName('edited'), script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'] } };
  }),
  editTaskScript: input(recordPermission(TASK_CONTROL_MANAGE), async (fx, _profile, allowed) => {
    const task = allowed ? await fx.newOwnTask(CUSTOM_TASK) : fx.ownTask;
    return { taskId: task.id, version: task.version, scriptParameters: { command: 'echo edited' } };
  }),
  removeTask: input(recordPermission(TASK_CONTROL_MANAGE), async (fx, _profile, allowed) => ({ taskId: allowed ? (await fx.newOwnTask()).id : fx.ownTask.id })),
  scheduleTaskRun: input(administrators, (fx) => ({ recordId: fx.record.id, taskId: fx.ownTask.id, runAt: farFuture() })),
  runJob: input(administrators, async (fx, _profile, allowed) => ({ jobId: allowed ? await fx.newScheduledJob() : fx.scheduledJobId })),
  cancelJob: input(administrators, async (fx, _profile, allowed) => ({ jobId: allowed ? await fx.newScheduledJob() : fx.scheduledJobId })),

  // Record types and grants.
  createRecordType: input(administrators, () => ({ name: uniqueName('type') })),
  updateRecordType: input(administrators, async (fx, _profile, allowed) => {
    const type = allowed ? await fx.newRecordType() : { id: fx.recordTypeId, version: 1 };
    return { recordTypeId: type.id, version: type.version, description: 'matrix' };
  }),
  deleteRecordType: input(administrators, async (fx, _profile, allowed) => ({ recordTypeId: allowed ? (await fx.newRecordType()).id : fx.recordTypeId })),
  grantRecordPermissions: input(administrators, (fx) => ({ recordId: fx.record.id, userId: fx.spareUserId, permissions: ['VIEW'] })),
  revokeRecordPermissions: input(administrators, (fx) => ({ recordId: fx.record.id, userId: fx.spareUserId })),

  // Access requests and sessions.
  requestAccess: input(recordPermission(VIEW), (fx) => ({ recordId: fx.record.id, reason: 'matrix' })),
  approveAccessRequest: input(administrators, async (fx, profile, allowed) => ({
    requestId: allowed ? await fx.newAccessRequest(profile, 'PENDING') : fx.accessRequests.PENDING,
    durationMinutes: 30,
  })),
  denyAccessRequest: input(administrators, async (fx, profile, allowed) => ({ requestId: allowed ? await fx.newAccessRequest(profile, 'PENDING') : fx.accessRequests.PENDING })),
  checkOutRecord: accessRequestRow('APPROVED', false),
  checkInRecord: accessRequestRow('CHECKED_OUT', true),
  startSession: input(withRole(Role.SESSION_BROKER, Role.SYSTEM_ADMINISTRATOR), (fx) => ({ recordId: fx.record.id, subject: 'matrix' })),
  // A broker ends a session it started itself; everyone else one that the fixtures' broker started.
  endSession: input(withRole(Role.SESSION_BROKER, Role.SYSTEM_ADMINISTRATOR), async (fx, profile, allowed) => ({
    sessionId: allowed ? await fx.newSession(profile.roles.includes(Role.SESSION_BROKER) ? profile.user?.token : undefined) : fx.sessionId,
  })),
  updateSessionSettings: input(administrators, async (fx) => fx.sessionSettingsVersion()),
  updateFallbackSettings: input(administrators, async (fx) => fx.fallbackSettings()),

  // Users, groups, tokens.
  login: {
    expect: everyone,
    call: (profile, fx) => ({ variables: { input: profile.user ? { username: profile.user.username, password: profile.user.password } : { username: fx.spareUsername, password: fx.sparePassword } } }),
  },
  logout: { expect: signedIn, call: async (profile, fx) => ({ variables: {}, token: await fx.freshToken(profile) }) },
  changePassword: {
    expect: signedIn,
    call: (profile) => {
      const newPassword = `${uniqueName('changed')}-Aa1!`;
      return {
        variables: { input: { currentPassword: profile.user?.password ?? 'unknown', newPassword } },
        onAllowed: () => {
          if (profile.user) profile.user.password = newPassword;
        },
      };
    },
  },
  createApiToken: input(signedIn, () => ({ name: uniqueName('token'), expiresInDays: 1 })),
  revokeApiToken: input(signedIn, async (fx, profile) => {
    if (!profile.user) return { tokenId: randomUUID() };
    const created = await fx.ok<any>('mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } } }', { input: { name: uniqueName('token') } }, profile.user.token);
    return { tokenId: created.apiToken.id };
  }),
  createUser: input(administrators, () => ({ username: uniqueName('created'), password: `${uniqueName('pw')}-Aa1!`, roles: [] })),
  setUserEnabled: input(administrators, (fx) => ({ userId: fx.spareUserId, enabled: true })),
  createUserGroup: input(administrators, () => ({ name: uniqueName('group') })),
  renameUserGroup: input(administrators, async (fx, _profile, allowed) => {
    const group = allowed ? await fx.newUserGroupWithVersion() : { id: fx.userGroupId, version: 1 };
    return { groupId: group.id, version: group.version, name: uniqueName('renamed') };
  }),
  deleteUserGroup: input(administrators, async (fx, _profile, allowed) => ({ groupId: allowed ? await fx.newUserGroup() : fx.userGroupId })),
  addUserGroupMember: input(administrators, (fx) => ({ groupId: fx.userGroupId, userId: fx.spareUserId })),
  removeUserGroupMember: input(administrators, (fx) => ({ groupId: fx.userGroupId, userId: fx.spareUserId })),

  // Permission sets.
  createPermissionSet: input(administrators, () => ({ name: uniqueName('set'), grants: [] })),
  updatePermissionSet: input(administrators, async (fx, _profile, allowed) => {
    const set = allowed ? await fx.newPermissionSet() : { id: fx.permissionSetId, version: 1 };
    return { permissionSetId: set.id, version: set.version, description: 'matrix' };
  }),
  deletePermissionSet: input(administrators, async (fx, _profile, allowed) => ({ permissionSetId: allowed ? (await fx.newPermissionSet()).id : fx.permissionSetId })),
  assignPermissionSet: input(administrators, (fx) => ({ permissionSetId: fx.permissionSetId, userId: fx.spareUserId })),
  unassignPermissionSet: input(administrators, (fx) => ({ permissionSetId: fx.permissionSetId, userId: fx.spareUserId })),

  // The system tree.
  createGroup: input(administrators, (fx) => ({ name: uniqueName('group'), parentId: fx.groupId })),
  renameGroup: input(administrators, async (fx, _profile, allowed) => {
    const group = allowed ? await fx.newGroup() : { id: fx.groupId, version: 1 };
    return { groupId: group.id, version: group.version, name: uniqueName('renamed') };
  }),
  moveGroup: input(administrators, async (fx, _profile, allowed) => {
    const group = allowed ? await fx.newGroup() : { id: fx.groupId, version: 1 };
    return { groupId: group.id, version: group.version, parentId: fx.rootGroupId };
  }),
  deleteGroup: input(administrators, async (fx, _profile, allowed) => ({ groupId: allowed ? (await fx.newGroup()).id : fx.groupId })),
  createSystem: input(administrators, (fx) => fx.systemInput()),
  updateSystem: input(administrators, async (fx, _profile, allowed) => {
    const system = allowed ? await fx.newSystem() : { id: fx.systemId, version: 1 };
    return { systemId: system.id, version: system.version, name: uniqueName('renamed') };
  }),
  moveSystem: input(administrators, async (fx, _profile, allowed) => {
    const system = allowed ? await fx.newSystem() : { id: fx.systemId, version: 1 };
    return { systemId: system.id, version: system.version, groupId: fx.rootGroupId };
  }),
  deleteSystem: input(administrators, async (fx, _profile, allowed) => ({ systemId: allowed ? (await fx.newSystem()).id : fx.systemId })),
  breakInheritance: input(administrators, async (fx, _profile, allowed) => ({ groupId: allowed ? (await fx.newGroup()).id : fx.groupId })),
  resetInheritance: input(administrators, async (fx, _profile, allowed) => {
    if (!allowed) return { groupId: fx.groupId };
    const group = (await fx.newGroup()).id;
    await fx.ok('mutation ($input: TreeNodeInput!) { breakInheritance(input: $input) { __typename } }', { input: { groupId: group } });
    return { groupId: group };
  }),
  registerNode: input(administrators, () => ({ name: uniqueName('node') })),

  // Products, packages and the client task catalog.
  checkInProduct: input(administrators, (fx) => ({ manifest: fx.productManifest() })),
  checkInPackage: input(administrators, (fx) => fx.packageInput()),
  createClientTask: input(productPermission, (fx) => ({ taskTypeId: fx.taskTypeId, name: uniqueName('client-task'), settings: {} })),
  updateClientTask: input(productPermission, async (fx, _profile, allowed) => {
    const task = allowed ? await fx.newClientTask() : { id: fx.clientTaskId, version: 1 };
    return { clientTaskId: task.id, version: task.version, name: uniqueName('renamed') };
  }),
  duplicateClientTask: input(productPermission, (fx) => ({ clientTaskId: fx.clientTaskId, name: uniqueName('copy') })),
  setClientTaskEnabled: input(productPermission, (fx) => ({ clientTaskId: fx.clientTaskId, enabled: true })),
  deleteClientTask: input(productPermission, async (fx, _profile, allowed) => {
    const task = allowed ? await fx.newClientTask() : { id: fx.clientTaskId, version: 1 };
    return { clientTaskId: task.id, version: task.version };
  }),
  setClientTaskApprovalRequired: input(administrators, () => ({ required: false })),
  approveClientTaskChange: input(productPermission, async (fx, _profile, allowed) => ({ changeId: allowed ? await fx.newPendingChange() : fx.changeId })),
  rejectClientTaskChange: input(productPermission, async (fx, _profile, allowed) => ({ changeId: allowed ? await fx.newPendingChange() : fx.changeId })),
  exportClientTasks: input(productPermission, (fx) => ({ clientTaskIds: [fx.clientTaskId] })),
  importClientTasks: input(productPermission, (fx) => ({ document: fx.exportDocument, conflictPolicy: 'RENAME', dryRun: true })),
  assignClientTask: input(productPermission, (fx) => ({ clientTaskId: fx.clientTaskId, groupId: fx.groupId, schedule: DAILY })),
  updateAssignment: input(productPermission, async (fx, _profile, allowed) => {
    const assignment = allowed ? await fx.newAssignment() : { id: fx.assignmentId, version: 1 };
    return { assignmentId: assignment.id, version: assignment.version, schedule: { ...DAILY, startAt: '2031-01-01T09:00' } };
  }),
  removeAssignment: input(productPermission, async (fx, _profile, allowed) => ({ assignmentId: allowed ? (await fx.newAssignment()).id : fx.assignmentId })),
  runClientTaskNow: input(productPermission, (fx) => ({ clientTaskId: fx.clientTaskId, systemIds: [fx.systemId] })),
  cancelClientRun: input(productPermission, async (fx, _profile, allowed) => ({ runId: allowed ? await fx.newRun() : fx.runId })),

  // The Share Client Tasks server task (before the federation rows, which win if they name these too).
  updateShareClientTasksSchedule: input(administrators, () => ({ paused: false })),
  runShareClientTasksNow: row(administrators),
  ...FEDERATION_MUTATION_ROWS,
  ...RECORD_IMPORT_MUTATION_ROWS,
  ...CLIENT_RUN_MUTATION_ROWS,
  ...HOST_KEY_MUTATION_ROWS,
  ...SCRIPT_LIBRARY_MUTATION_ROWS,
  ...WEBHOOK_MUTATION_ROWS,
  ...RECORD_DEPENDENCY_MUTATION_ROWS,
};
