import type { EntityManager } from '@mikro-orm/postgresql';
import { ClientTaskApprovals } from './client-tasks/approvals';
import { ClientCatalogService } from './client-tasks/catalog-service';
import { ClientTaskDeletion } from './client-tasks/deletion';
import { ClientEndpointService } from './client-tasks/endpoint';
import { PackageRepositoryService } from './client-tasks/package-repository';
import { NodeAccessService } from './nodes/node-access';
import { ClientTaskPermissions } from './client-tasks/permissions';
import { ClientJobService } from './client-tasks/runs/client-job-service';
import { ClientRunService } from './client-tasks/runs/client-run-service';
import { ClientTaskTransferService } from './client-tasks/transfer';
import { AssignmentService } from './assignments/assignment-service';
import { AssignmentScheduleService } from './assignments/firings';
import { DEFAULT_ACCOUNT_POLICY, type AccountPolicy } from '../infra/config';
import { AuthService } from './identity/auth-service';
import { LoginService } from './identity/login-service';
import { LoginThrottle } from './identity/login-throttle';
import { TokenService } from './identity/token-service';
import { UserAccountService } from './identity/user-account-service';
import { PermissionSetService } from './identity/permission-set-service';
import { UserGroupService } from './identity/user-groups';
import { JobActionsService } from './jobs/job-actions';
import { EngineOutbox } from './jobs/engine-outbox';
import { AuditLog } from './shared/audit-log';
import { IdempotencyKeys } from './shared/idempotency';
import { JobOutputLog } from './jobs/job-output-log';
import { JobService } from './jobs/job-service';
import { JobReconciler } from './jobs/reconciler';
import { NodeService } from './nodes/node-service';
import type { ServicePorts } from './ports';
import { HostKeyScanner } from './systems/host-key-scanner';
import { SystemTreeService } from './systems/system-tree-service';
import { AccessRequestService } from './vault/access-request-service';
import { CustomCommandService } from './vault/custom-command-service';
import { FallbackService } from './vault/fallback-service';
import { DependencyUpdates } from './vault/dependency-updates';
import { RecordAccess } from './vault/record-access';
import { RecordDependencies } from './vault/record-dependencies';
import { RecordGrants } from './vault/record-grants';
import { RecordLifecycle } from './vault/record-lifecycle';
import { RecordImportService } from './vault/record-import';
import { RecordService } from './vault/record-service';
import { PendingPasswordSettler } from './vault/pending-settler';
import { RotationService } from './vault/rotation-service';
import { SessionService } from './vault/session-service';
import { ShadowAccounts } from './vault/shadow-accounts';
import { TaskScheduler } from './vault/task-scheduler';
import { TaskService } from './vault/task-service';
import { VaultJobService } from './vault/vault-job-service';
import type { InVaultTransaction } from './vault/vault-transaction';
import { ServerIdentityService } from './federation/server-identity';
import { RegisteredServerService } from './federation/registered-servers';
import { ShareReceiver } from './federation/share-receiver';
import { ClientTaskSharing } from './federation/task-sharing';
import { ClientTaskDocumentSignatures } from './federation/document-signature';
import { ServerTaskLog } from './federation/server-task-log';
import { ShareSyncService } from './federation/share-sync-service';
import { ShareSyncScheduleService } from './federation/share-sync-schedule';
import { ScriptLibraryService } from './scripts/script-library-service';
import { WebhookEvents } from './webhooks/webhook-events';
import { WebhookService } from './webhooks/webhook-service';
import { WebhookSender } from './webhooks/webhook-sender';

/** Users, tokens and logins alone: operator commands use them without the durable engine. */
export function createIdentityServices(em: EntityManager, accounts: AccountPolicy) {
  const tokens = new TokenService(em, accounts);
  const throttle = new LoginThrottle(em.getKnex(), accounts.loginThrottle);
  return {
    auth: new AuthService(em),
    tokens,
    logins: new LoginService(em, tokens, throttle),
    userAccounts: new UserAccountService(em, tokens, throttle),
  };
}

/** The vault's record, session and job services over one EntityManager, with what they need. */
function createVaultScope(em: EntityManager, ports: ServicePorts) {
  const nodes = new NodeService(em);
  const records = new RecordService(em, ports.secrets, nodes);
  const access = new RecordAccess(em);
  const sessions = new SessionService(em);
  const clientTaskPermissions = new ClientTaskPermissions(em);
  const outbox = new EngineOutbox(em, ports);
  const webhookEvents = new WebhookEvents(outbox);
  const jobs = new JobService(em, records, access, clientTaskPermissions, outbox, webhookEvents, ports.jobMetrics);
  const scheduler = new TaskScheduler(em, jobs, records, outbox);
  return { em, nodes, records, access, sessions, clientTaskPermissions, outbox, webhookEvents, jobs, scheduler };
}

/** Vault transactions on `em`'s connection: a scope per transaction; what it staged for the engine goes out after the commit. */
function vaultTransactions(em: EntityManager, ports: ServicePorts, outbox: EngineOutbox): InVaultTransaction {
  return async (work) => {
    let staged: string[] = [];
    const result = await em.transactional(async (transaction) => {
      const scope = createVaultScope(transaction, ports);
      const done = await work(scope);
      staged = scope.outbox.addedWorkflowIds();
      return done;
    });
    await outbox.deliverSoon(staged);
    return result;
  };
}

/**
 * The one place the service graph is wired: every service over one EntityManager (a request's or
 * an activity's unit of work), each given the collaborators it needs.
 */
export function createServices(em: EntityManager, ports: ServicePorts, accounts: AccountPolicy = DEFAULT_ACCOUNT_POLICY) {
  const { launcher, clientWorkflows, secrets } = ports;

  // Identity and the system tree
  const identity = createIdentityServices(em, accounts);
  const permissionSets = new PermissionSetService(em);
  const userGroups = new UserGroupService(em);

  // Jobs and the vault
  const { nodes, records, access, sessions, clientTaskPermissions, outbox, webhookEvents, jobs, scheduler } = createVaultScope(em, ports);
  const systemTree = new SystemTreeService(em, nodes);
  const inVaultTransaction = vaultTransactions(em, ports, outbox);
  const shadows = new ShadowAccounts(em, access, secrets);
  const jobOutput = new JobOutputLog(em);
  const rotation = new RotationService(em, secrets, jobs, shadows);
  const lifecycle = new RecordLifecycle(access, sessions, inVaultTransaction);

  // Client tasks and assignments
  const approvals = new ClientTaskApprovals(em, clientTaskPermissions, webhookEvents);
  const clientRuns = new ClientRunService(em, clientTaskPermissions, outbox);
  const packageRepository = new PackageRepositoryService(em);
  const clientEndpoint = new ClientEndpointService(em, secrets, packageRepository, jobOutput, ports.nodeCredentials);

  // Sharing client tasks between servers
  const serverIdentity = new ServerIdentityService(em, ports.server.identity, ports.server.keySecrets);
  const documentSignatures = new ClientTaskDocumentSignatures(em, serverIdentity);
  const serverTaskLog = new ServerTaskLog(em, jobs);

  return {
    ...identity,
    permissionSets,
    userGroups,
    systemTree,
    hostKeys: new HostKeyScanner(em),
    nodes,
    nodeAccess: new NodeAccessService(em, ports.nodeCredentials, packageRepository, jobOutput),
    records,
    access,
    grants: new RecordGrants(em),
    shadows,
    sessions,
    outbox,
    idempotency: new IdempotencyKeys(em),
    auditLog: new AuditLog(em),
    jobs,
    scheduler,
    rotation,
    pendingSettler: new PendingPasswordSettler(em, rotation),
    vaultJobs: new VaultJobService(em, jobs, scheduler, sessions),
    jobOutput,
    customCommands: new CustomCommandService(em, secrets, rotation, jobs, shadows, jobOutput, ports.nodeCredentials),
    recordDependencies: new RecordDependencies(em, access, shadows),
    dependencyUpdates: new DependencyUpdates(em, secrets, rotation, jobs, shadows),
    tasks: new TaskService(em, records, access, shadows, scheduler, nodes),
    scriptLibrary: new ScriptLibraryService(em),
    lifecycle,
    recordImport: new RecordImportService(em, secrets, records, outbox),
    accessRequests: new AccessRequestService(em, access, lifecycle, inVaultTransaction, outbox, webhookEvents),
    fallback: new FallbackService(em, jobs),
    jobActions: new JobActionsService(em, jobs, scheduler, clientRuns, outbox),
    reconciler: new JobReconciler(em, jobs, clientRuns, launcher),
    clientTaskPermissions,
    approvals,
    clientCatalog: new ClientCatalogService(em, clientTaskPermissions, approvals),
    clientTaskTransfer: new ClientTaskTransferService(em, clientTaskPermissions, approvals, documentSignatures),
    packageRepository,
    clientRuns,
    clientEndpoint,
    clientJobs: new ClientJobService(em, jobs, clientEndpoint),
    clientTaskDeletion: new ClientTaskDeletion(em, clientTaskPermissions, clientRuns, outbox),
    assignments: new AssignmentService(em, clientTaskPermissions, outbox),
    assignmentFirings: new AssignmentScheduleService(em, clientRuns, clientWorkflows),
    serverIdentity,
    registeredServers: new RegisteredServerService(em),
    shareReceiver: new ShareReceiver(em, ports.server.identity, webhookEvents),
    clientTaskSharing: new ClientTaskSharing(em, clientTaskPermissions, approvals),
    documentSignatures,
    serverTaskLog,
    shareSync: new ShareSyncService(em, serverIdentity, serverTaskLog),
    shareSyncSchedule: new ShareSyncScheduleService(em, ports.shareSchedule),
    webhooks: new WebhookService(em, ports.webhooks.secrets, webhookEvents),
    webhookSender: new WebhookSender(em, ports.webhooks.secrets),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { ServicePorts } from './ports';
