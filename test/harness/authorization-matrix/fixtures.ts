import { randomInt } from 'node:crypto';
import { Role } from '../../../lib/enums';
import { generatePassword } from '../../../services/vault/password-policy';
import { tarballBase64 } from '../endpoint-fixtures';
import { catalogIds, expectOk, setApprovalRequired } from '../permission-sets';
import { type StewardStack, uniqueName } from '../steward';
import { testEnvironment } from '../test-env';
import { createKnownUser, grantOn, type Profile } from './profiles';

/** Far enough ahead that no Scheduled job of the fixtures comes due during the run (a run may be at most a year ahead). */
export function farFuture(): string {
  return new Date(Date.now() + 300 * 24 * 3600 * 1000).toISOString();
}
const DAILY = { kind: 'DAILY', startAt: '2030-01-01T09:00' };
const ON_DEMAND_TASK = { name: 'Verify', script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'] };

type AccessRequestState = 'PENDING' | 'APPROVED' | 'CHECKED_OUT';

export interface RecordFixture {
  id: string;
  version: number;
}

export interface TaskFixture {
  id: string;
  version: number;
}

/**
 * What the matrix calls act on: made once by an administrator of the fixtures' own (not one of
 * the profiles), plus makers of throwaway objects for the calls that use theirs up.
 */
export class MatrixFixtures {
  recordTypeId = '';
  /** A record with tasks of its own, on which every grant profile holds its permission. */
  record: RecordFixture = { id: '', version: 0 };
  ownTask: TaskFixture = { id: '', version: 0 };
  shadowHostId = '';
  sessionId = '';
  /** Access requests of the requester, one in each state, for the calls that are refused. */
  accessRequests: Record<AccessRequestState, string> = { PENDING: '', APPROVED: '', CHECKED_OUT: '' };
  scheduledJobId = '';
  rootGroupId = '';
  groupId = '';
  systemId = '';
  taskTypeId = '';
  clientTaskId = '';
  otherClientTaskId = '';
  assignmentId = '';
  runId = '';
  changeId = '';
  exportDocument: unknown = null;
  userGroupId = '';
  permissionSetId = '';
  /** A user the administrator's calls add to groups, grant to, enable: never one of the profiles. */
  spareUserId = '';
  spareUsername = '';
  sparePassword = '';
  /** An administrator that authors client task changes, since nobody decides their own. */
  private authorToken = '';
  /** Holds VIEW on the record and asks for access, for the profiles that decide or cannot view. */
  private requester: NonNullable<Profile['user']> | null = null;
  private broker: NonNullable<Profile['user']> | null = null;

  constructor(
    private readonly stack: StewardStack,
    readonly adminToken: string,
  ) {}

  async ok<T = any>(query: string, variables: Record<string, unknown> = {}, token = this.adminToken): Promise<T> {
    return Object.values(expectOk(await this.stack.graphql<any>(query, variables, token)))[0] as T;
  }

  async create(profiles: Profile[]): Promise<void> {
    const recordType = await this.ok<any>('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }', {
      input: { name: uniqueName('matrix-type'), tasks: [ON_DEMAND_TASK] },
    });
    this.recordTypeId = recordType.recordType.id;
    this.record = await this.newRecord();
    await this.ok('mutation ($input: RecordRefInput!) { makeRecordTasksUnique(input: $input) { record { id } } }', { input: { recordId: this.record.id } });
    this.ownTask = (await this.ok<any>('query ($id: ID!) { record(id: $id) { tasks { task { id version } } } }', { id: this.record.id })).tasks[0].task;
    this.shadowHostId = await this.newShadowHost();
    await Promise.all(profiles.map((profile) => grantOn(this.stack, this.adminToken, profile, this.record.id)));
    this.scheduledJobId = await this.newScheduledJob();

    const [requester, broker, author, spare] = await Promise.all([[], [Role.SESSION_BROKER], [Role.SYSTEM_ADMINISTRATOR], []].map((roles) => createKnownUser(this.stack, roles)));
    this.requester = requester!;
    await this.ok('mutation ($input: GrantRecordPermissionsInput!) { grantRecordPermissions(input: $input) { grant { id } } }', {
      input: { recordId: this.record.id, userId: this.requester.id, permissions: ['VIEW'] },
    });
    this.broker = broker!;
    this.sessionId = await this.newSession();
    const nobody: Profile = { name: 'requester', roles: [] };
    for (const state of ['PENDING', 'APPROVED', 'CHECKED_OUT'] as const) this.accessRequests[state] = await this.newAccessRequest(nobody, state);
    this.authorToken = author!.token;
    this.spareUserId = spare!.id;
    this.spareUsername = spare!.username;
    this.sparePassword = spare!.password;
    this.userGroupId = await this.newUserGroup();
    this.permissionSetId = (await this.newPermissionSet()).id;

    this.rootGroupId = (await this.ok<any>('{ systemTree { id } }'))[0].id;
    this.groupId = (await this.newGroup()).id;
    this.systemId = (await this.newSystem()).id;
    this.taskTypeId = (await catalogIds(this.stack, this.adminToken)).taskTypes.get('Agent/Wakeup')!;
    this.clientTaskId = (await this.newClientTask()).id;
    await this.ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { applied } }', { input: { clientTaskId: this.clientTaskId, enabled: true } });
    this.otherClientTaskId = (await this.newClientTask()).id;
    this.assignmentId = (await this.newAssignment()).id;
    this.runId = await this.newRun();
    this.changeId = await this.newPendingChange();
    this.exportDocument = (await this.ok<any>('mutation ($input: ExportClientTasksInput!) { exportClientTasks(input: $input) { document } }', {
      input: { clientTaskIds: [this.clientTaskId] },
    })).document;
  }

  recordInput(): Record<string, unknown> {
    const env = testEnvironment();
    return { recordTypeId: this.recordTypeId, name: uniqueName('matrix-record'), host: '10.0.0.7', port: 22, username: 'svc', password: generatePassword(), hostKeyFingerprint: env.sshdFingerprint };
  }

  async newRecord(): Promise<RecordFixture> {
    return (await this.ok<any>('mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id version } } }', { input: this.recordInput() })).record;
  }

  /** A throwaway record the profile holds its permission on; with `ownTasks`, made unique first. */
  async recordFor(profile: Profile, options: { ownTasks?: boolean } = {}): Promise<RecordFixture> {
    const record = await this.newRecord();
    if (options.ownTasks) await this.ok('mutation ($input: RecordRefInput!) { makeRecordTasksUnique(input: $input) { record { id } } }', { input: { recordId: record.id } });
    await grantOn(this.stack, this.adminToken, profile, record.id);
    return record;
  }

  /** A new task of the fixture record's own. */
  async newOwnTask(task: Record<string, unknown> = ON_DEMAND_TASK): Promise<TaskFixture> {
    return (await this.ok<any>('mutation ($input: AddRecordTaskInput!) { addRecordTask(input: $input) { task { id version } } }', {
      input: { recordId: this.record.id, task: { ...task, name: uniqueName('task') } },
    })).task;
  }

  async newScheduledJob(): Promise<string> {
    return (await this.ok<any>('mutation ($input: ScheduleTaskRunInput!) { scheduleTaskRun(input: $input) { job { id } } }', {
      input: { recordId: this.record.id, taskId: this.ownTask.id, runAt: farFuture() },
    })).job.id;
  }

  async newShadowHost(): Promise<string> {
    return (await this.ok<any>('mutation ($input: AddShadowHostInput!) { addShadowHost(input: $input) { shadowHost { id } } }', { input: this.shadowHostInput() })).shadowHost.id;
  }

  shadowHostInput(): Record<string, unknown> {
    return { recordId: this.record.id, host: `${uniqueName('shadow')}.example`, port: 22, hostKeyFingerprint: testEnvironment().sshdFingerprint };
  }

  /** An access request on the fixture record: the profile's own when it may view the record, else the requester's. */
  async newAccessRequest(profile: Profile, state: AccessRequestState): Promise<string> {
    const asker = profile.permission && profile.user ? profile.user : this.requester!;
    const id = (await this.ok<any>('mutation ($input: RequestAccessInput!) { requestAccess(input: $input) { request { id } } }', { input: { recordId: this.record.id, reason: 'matrix' } }, asker.token))
      .request.id;
    if (state === 'PENDING') return id;
    await this.ok('mutation ($input: ApproveAccessInput!) { approveAccessRequest(input: $input) { request { id } } }', { input: { requestId: id, durationMinutes: 60 } });
    if (state === 'CHECKED_OUT') await this.ok('mutation ($input: AccessRequestRefInput!) { checkOutRecord(input: $input) { password } }', { input: { requestId: id } }, asker.token);
    return id;
  }

  /** A session on the fixture record, started by the broker whose token this is (the fixtures' own by default). */
  async newSession(brokerToken = this.broker!.token): Promise<string> {
    return (await this.ok<any>('mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }', { input: { recordId: this.record.id, subject: 'matrix' } }, brokerToken))
      .session.id;
  }

  async newUserGroup(): Promise<string> {
    return (await this.ok<any>('mutation ($input: CreateUserGroupInput!) { createUserGroup(input: $input) { group { id } } }', { input: { name: uniqueName('matrix-group') } })).group.id;
  }

  async newUserGroupWithVersion(): Promise<{ id: string; version: number }> {
    return (await this.ok<any>('mutation ($input: CreateUserGroupInput!) { createUserGroup(input: $input) { group { id version } } }', { input: { name: uniqueName('matrix-group') } })).group;
  }

  async newPermissionSet(): Promise<{ id: string; version: number }> {
    return (await this.ok<any>('mutation ($input: CreatePermissionSetInput!) { createPermissionSet(input: $input) { permissionSet { id version } } }', {
      input: { name: uniqueName('matrix-set'), grants: [] },
    })).permissionSet;
  }

  async newRecordType(): Promise<{ id: string; version: number }> {
    return (await this.ok<any>('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id version } } }', { input: { name: uniqueName('matrix-type') } }))
      .recordType;
  }

  async newGroup(): Promise<{ id: string; version: number }> {
    return (await this.ok<any>('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id version } } }', { input: { name: uniqueName('matrix'), parentId: this.groupId || this.rootGroupId } }))
      .group;
  }

  systemInput(): Record<string, unknown> {
    return { name: uniqueName('matrix-system'), groupId: this.groupId, host: '10.0.0.8', hostKeyFingerprint: testEnvironment().sshdFingerprint };
  }

  async newSystem(): Promise<{ id: string; version: number }> {
    return (await this.ok<any>('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id version } } }', { input: this.systemInput() })).system;
  }

  async newClientTask(): Promise<{ id: string; version: number }> {
    return (await this.ok<any>('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id version } } }', {
      input: { taskTypeId: this.taskTypeId, name: uniqueName('matrix-task'), settings: {} },
    })).clientTask;
  }

  async newAssignment(): Promise<{ id: string; version: number }> {
    return (await this.ok<any>('mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id version } } }', {
      input: { clientTaskId: this.clientTaskId, groupId: this.groupId, schedule: DAILY },
    })).assignment;
  }

  async newRun(): Promise<string> {
    return (await this.ok<any>('mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { id } } }', {
      input: { clientTaskId: this.clientTaskId, systemIds: [this.systemId] },
    })).run.id;
  }

  /** A change to the fixture client task, proposed by another administrator while approval was required. */
  async newPendingChange(): Promise<string> {
    const task = await this.newClientTask();
    await setApprovalRequired(this.stack, this.adminToken, true);
    try {
      return (await this.ok<any>('mutation ($input: UpdateClientTaskInput!) { updateClientTask(input: $input) { pendingChange { id } } }', {
        input: { clientTaskId: task.id, version: task.version, name: uniqueName('renamed') },
      }, this.authorToken)).pendingChange.id;
    } finally {
      await setApprovalRequired(this.stack, this.adminToken, false);
    }
  }

  productManifest(): Record<string, unknown> {
    return { name: uniqueName('MatrixProduct'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: { type: 'object' }, command: 'true' }] };
  }

  packageInput(): Record<string, unknown> {
    return { product: 'Agent', version: `${randomInt(1, 999_999_999)}.${randomInt(1, 999_999_999)}`, tarballBase64: tarballBase64({ README: 'matrix' }), installScript: 'true' };
  }

  async fallbackSettings(): Promise<{ cycles: number; enabled: boolean; frequencySeconds: number; version: number }> {
    return this.ok('{ fallbackSettings { cycles enabled frequencySeconds version } }');
  }

  async sessionSettingsVersion(): Promise<{ maxSessionMinutes: number; version: number }> {
    return this.ok('{ sessionSettings { maxSessionMinutes version } }');
  }

  /** A fresh token of the profile's user, for calls that end the token they come with. */
  async freshToken(profile: Profile): Promise<string | undefined> {
    if (!profile.user) return undefined;
    return (await this.ok<any>('mutation ($input: LoginInput!) { login(input: $input) { token } }', { input: { username: profile.user.username, password: profile.user.password } })).token;
  }
}
