import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { User } from '../db/entities';
import { type Actor, actorOf } from '../services/audit-service';
import { AuthService } from '../services/auth-service';
import { UnauthenticatedError } from '../services/errors';
import type { JobLauncher } from '../services/job-launcher';
import { FallbackService } from '../services/fallback-service';
import { JobActionsService } from '../services/job-actions-service';
import { JobService } from '../services/job-service';
import { NodeService } from '../services/node-service';
import { AccessRequestService, type AccessWorkflows } from '../services/access-request-service';
import { SessionService } from '../services/session-service';
import { RecordAccess } from '../services/record-access';
import { RecordLifecycle } from '../services/record-lifecycle';
import { TaskService } from '../services/task-service';
import { RecordService } from '../services/record-service';
import { SystemTreeService } from '../services/system-tree-service';
import { ClientCatalogService } from '../services/client-catalog-service';
import { AssignmentService } from '../services/assignment-service';
import { ClientTaskApprovals } from '../services/client-task-approvals';
import { PermissionSetService } from '../services/permission-set-service';
import { ClientTaskTransferService } from '../services/client-task-transfer';
import type { VaultSecrets } from '../services/vault-secrets';
import type { ClientWorkflows } from '../services/client-workflows';
import { ClientRunService } from '../services/client-run-service';
import { ClientTaskDeletion } from '../services/client-task-deletion';
import { PackageRepositoryService } from '../services/package-repository-service';

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
