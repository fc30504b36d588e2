import type { EntityManager } from '@mikro-orm/postgresql';
import { ClientTaskApprovals } from './client-tasks/approvals';
import { ClientCatalogService } from './client-tasks/catalog-service';
import { ClientTaskDeletion } from './client-tasks/deletion';
import { ClientEndpointService } from './client-tasks/endpoint';
import { PackageRepositoryService } from './client-tasks/package-repository';
import { ClientTaskPermissions } from './client-tasks/permissions';
import { ClientJobService } from './client-tasks/runs/client-job-service';
import { ClientRunService } from './client-tasks/runs/client-run-service';
import { ClientTaskTransferService } from './client-tasks/transfer';
import { AssignmentService } from './assignments/assignment-service';
import { AssignmentScheduleService } from './assignments/firings';
import { AuthService } from './identity/auth-service';
import { PermissionSetService } from './identity/permission-set-service';
import { JobActionsService } from './jobs/job-actions';
import { JobService } from './jobs/job-service';
import { JobReconciler } from './jobs/reconciler';
import { NodeService } from './jobs/worker-nodes';
import type { ServicePorts } from './ports';
import { SystemTreeService } from './systems/system-tree-service';
import { AccessRequestService } from './vault/access-request-service';
import { CustomCommandService } from './vault/custom-command-service';
import { FallbackService } from './vault/fallback-service';
import { RecordAccess } from './vault/record-access';
import { RecordLifecycle } from './vault/record-lifecycle';
import { RecordService } from './vault/record-service';
import { RotationService } from './vault/rotation-service';
import { SessionService } from './vault/session-service';
import { TaskScheduler } from './vault/task-scheduler';
import { TaskService } from './vault/task-service';
import { VaultJobService } from './vault/vault-job-service';

/**
 * The one place the service graph is wired: every service over one EntityManager (a request's or
 * an activity's unit of work), each given the collaborators it needs.
 */
export function createServices(em: EntityManager, ports: ServicePorts) {
  const { launcher, clientWorkflows, accessWorkflows, secrets } = ports;

  // Identity and the system tree
  const auth = new AuthService(em);
  const permissionSets = new PermissionSetService(em);
  const systemTree = new SystemTreeService(em);

  // Jobs and the vault
  const nodes = new NodeService(em);
  const records = new RecordService(em, secrets, nodes);
  const access = new RecordAccess(em);
  const sessions = new SessionService(em);
  const clientTaskPermissions = new ClientTaskPermissions(em);
  const jobs = new JobService(em, records, access, clientTaskPermissions, launcher);
  const scheduler = new TaskScheduler(em, jobs, records, launcher);
  const rotation = new RotationService(em, secrets);

  // Client tasks and assignments
  const approvals = new ClientTaskApprovals(em, clientTaskPermissions);
  const clientRuns = new ClientRunService(em, clientTaskPermissions, clientWorkflows);
  const packageRepository = new PackageRepositoryService(em);
  const clientEndpoint = new ClientEndpointService(em, secrets, packageRepository);

  return {
    auth,
    permissionSets,
    systemTree,
    nodes,
    records,
    access,
    sessions,
    jobs,
    scheduler,
    rotation,
    vaultJobs: new VaultJobService(em, jobs, scheduler, sessions),
    customCommands: new CustomCommandService(em, secrets, rotation),
    tasks: new TaskService(em, records, access, scheduler, nodes),
    lifecycle: new RecordLifecycle(records, scheduler, sessions),
    accessRequests: new AccessRequestService(em, records, scheduler, accessWorkflows),
    fallback: new FallbackService(em, jobs),
    jobActions: new JobActionsService(em, jobs, scheduler, clientRuns, launcher),
    reconciler: new JobReconciler(em, jobs, clientRuns, launcher),
    clientTaskPermissions,
    approvals,
    clientCatalog: new ClientCatalogService(em, clientTaskPermissions, approvals),
    clientTaskTransfer: new ClientTaskTransferService(em, clientTaskPermissions, approvals),
    packageRepository,
    clientRuns,
    clientEndpoint,
    clientJobs: new ClientJobService(em, jobs, clientEndpoint),
    clientTaskDeletion: new ClientTaskDeletion(em, clientTaskPermissions, clientRuns, clientWorkflows),
    assignments: new AssignmentService(em, clientTaskPermissions, clientWorkflows),
    assignmentFirings: new AssignmentScheduleService(em, clientRuns, clientWorkflows),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { ServicePorts } from './ports';
