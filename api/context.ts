import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { User } from '../db/entities';
import { type Actor, actorOf } from '../services/shared/audit-service';
import { AuthService } from '../services/identity/auth-service';
import { UnauthenticatedError } from '../services/shared/errors';
import type { JobLauncher } from '../services/ports';
import { FallbackService } from '../services/vault/fallback-service';
import { JobActionsService } from '../services/jobs/job-actions';
import { JobService } from '../services/jobs/job-service';
import { NodeService } from '../services/jobs/worker-nodes';
import { AccessRequestService } from '../services/vault/access-request-service';
import type { AccessWorkflows } from '../services/ports';
import { SessionService } from '../services/vault/session-service';
import { RecordAccess } from '../services/vault/record-access';
import { RecordLifecycle } from '../services/vault/record-lifecycle';
import { TaskService } from '../services/vault/task-service';
import { RecordService } from '../services/vault/record-service';
import { SystemTreeService } from '../services/systems/system-tree-service';
import { ClientCatalogService } from '../services/client-tasks/catalog-service';
import { AssignmentService } from '../services/assignments/assignment-service';
import { ClientTaskApprovals } from '../services/client-tasks/approvals';
import { PermissionSetService } from '../services/identity/permission-set-service';
import { ClientTaskTransferService } from '../services/client-tasks/transfer';
import type { VaultSecrets } from '../services/shared/vault-secrets';
import type { ClientWorkflows } from '../services/ports';
import { ClientRunService } from '../services/client-tasks/runs/client-run-service';
import { ClientTaskDeletion } from '../services/client-tasks/deletion';
import { PackageRepositoryService } from '../services/client-tasks/package-repository';

/** What the API process shares between requests. */
export interface ApiDependencies {
  orm: MikroORM;
  secrets: VaultSecrets;
  launcher: JobLauncher;
  accessWorkflows: AccessWorkflows;
  clientWorkflows: ClientWorkflows;
}

/** Per request: the caller, a forked EntityManager (its own identity map) and the services over it. */
export interface StewardContext {
  user: User | null;
  /**
   * Shared by reference with the HTTP layer (Apollo copies the context object per operation):
   * login puts its token here so the response can also set the browser's session cookie.
   */
  session: { token?: string };
  em: EntityManager;
  services: {
    auth: AuthService;
    records: RecordService;
    jobs: JobService;
    jobActions: JobActionsService;
    fallback: FallbackService;
    nodes: NodeService;
    tasks: TaskService;
    lifecycle: RecordLifecycle;
    access: RecordAccess;
    sessions: SessionService;
    accessRequests: AccessRequestService;
    systemTree: SystemTreeService;
    clientCatalog: ClientCatalogService;
    assignments: AssignmentService;
    packageRepository: PackageRepositoryService;
    approvals: ClientTaskApprovals;
    permissionSets: PermissionSetService;
    clientTaskTransfer: ClientTaskTransferService;
    clientRuns: ClientRunService;
    clientTaskDeletion: ClientTaskDeletion;
  };
}

export function createContext(deps: ApiDependencies, user: User | null, em: EntityManager): StewardContext {
  return {
    user,
    session: {},
    em,
    services: {
      auth: new AuthService(em),
      records: new RecordService(em, deps.secrets),
      jobs: new JobService(em, deps.secrets, deps.launcher),
      jobActions: new JobActionsService(em, deps.secrets, deps.launcher),
      fallback: new FallbackService(em, deps.secrets, deps.launcher),
      nodes: new NodeService(em),
      tasks: new TaskService(em, deps.secrets, deps.launcher),
      lifecycle: new RecordLifecycle(em, deps.secrets, deps.launcher),
      access: new RecordAccess(em),
      sessions: new SessionService(em),
      accessRequests: new AccessRequestService(em, deps.secrets, deps.accessWorkflows, deps.launcher),
      systemTree: new SystemTreeService(em),
      clientCatalog: new ClientCatalogService(em),
      assignments: new AssignmentService(em, deps.clientWorkflows),
      packageRepository: new PackageRepositoryService(em),
      approvals: new ClientTaskApprovals(em),
      permissionSets: new PermissionSetService(em),
      clientTaskTransfer: new ClientTaskTransferService(em),
      clientRuns: new ClientRunService(em, deps.clientWorkflows),
      clientTaskDeletion: new ClientTaskDeletion(em, deps.clientWorkflows),
    },
  };
}

/** The signed-in caller as an audit actor; resolvers reach this only behind @Authorized. */
export function currentActor(context: StewardContext): Actor {
  if (!context.user) throw new UnauthenticatedError();
  return actorOf(context.user);
}

export function currentUser(context: StewardContext): User {
  if (!context.user) throw new UnauthenticatedError();
  return context.user;
}
