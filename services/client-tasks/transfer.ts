import { LockMode, ref, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ClientTask, ClientTaskCapability, ClientTaskType, Product, type User } from '../../db/entities';
import { ClientTaskConflictPolicy, ClientTaskImportAction } from '../../lib/enums';
import { actorOf, addAuditEvent, recordAuditEventNow } from '../shared/audit';
import type { ClientTaskApprovals, ClientTaskVersion } from './approvals';
import {
  CLIENT_TASK_DOCUMENT_FORMAT,
  CLIENT_TASK_DOCUMENT_VERSION,
  type ClientTaskDocument,
  type ExportedClientTask,
  MAX_CLIENT_TASK_NAME_LENGTH,
  MAX_DOCUMENT_TASKS,
  readClientTaskDocument,
} from './document';
import type { ClientTaskPermissions } from './permissions';
import { settingsChecker } from './settings';
import { BadInputError, ConflictError, DomainError, NotFoundError } from '../shared/errors';
import { assertId } from '../shared/validation';
import type { ClientTaskDocumentSignatures, DocumentSignatureReport } from '../federation/document-signature';

/** What an import did, or in a dry run would do, with one client task of the document. */
export interface ClientTaskImportResult {
  /** The name in the document. */
  name: string;
  /** The name it has here: a RENAMED task's new name, or the existing task's for SKIPPED and REPLACED. */
  finalName: string;
  product: string;
  taskType: string;
  action: ClientTaskImportAction;
  /** The created, replaced or skipped task; null for one a dry run would create. */
  clientTaskId: string | null;
  /** The creation or replacement waits for an approver (the importer's edits of the product need approval). */
  awaitingApproval: boolean;
}

/** What an import did with each task, and what it found of the document's signature. */
export interface ClientTaskImport {
  results: ClientTaskImportResult[];
  signature: DocumentSignatureReport;
}

/** A task of the document matched to a task type here, its settings valid against that type's current schema. */
interface ImportTarget {
  entry: ExportedClientTask;
  name: string;
  taskType: ClientTaskType;
}

interface PlannedImport extends ImportTarget {
  action: ClientTaskImportAction;
  finalName: string;
  /** The task of that type and name already here, for SKIPPED and REPLACED. */
  existing: ClientTask | null;
  awaitingApproval: boolean;
}

const sameNameKey = (taskTypeId: string, name: string) => `${taskTypeId}/${name}`;

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** "<name> (2)", "<name> (3)", …: the first one not taken, shortened to fit the name limit. */
function freeName(name: string, taken: Set<string>): string {
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const candidate = `${name.slice(0, MAX_CLIENT_TASK_NAME_LENGTH - suffix.length).trimEnd()}${suffix}`;
    if (!taken.has(candidate)) {
      taken.add(candidate);
      return candidate;
    }
  }
}

/** Export of client task objects as a versioned document, and its import on another server. */
export class ClientTaskTransferService {
  constructor(
    private readonly em: EntityManager,
    private readonly permissions: ClientTaskPermissions,
    private readonly approvals: ClientTaskApprovals,
    private readonly signatures: ClientTaskDocumentSignatures,
  ) {}

  /** The document is signed with this server's key and names it as its source. */
  async exportClientTasks(user: User, clientTaskIds: string[]): Promise<ClientTaskDocument> {
    const ids = unique(clientTaskIds);
    if (ids.length === 0 || ids.length > MAX_DOCUMENT_TASKS) throw new BadInputError(`Export 1–${MAX_DOCUMENT_TASKS} client tasks at a time`, 'clientTaskIds');
    for (const id of ids) assertId(id, 'Client task');
    const tasks = new Map((await this.em.find(ClientTask, { id: { $in: ids } }, { populate: ['taskType.product'] })).map((task) => [task.id, task]));
    const missing = ids.find((id) => !tasks.has(id));
    if (missing) throw new NotFoundError('Client task', missing);
    for (const productId of unique([...tasks.values()].map((task) => task.taskType.$.product.id))) await this.permissions.assert(user, productId, ClientTaskCapability.VIEW);
    const clientTasks = ids.map((id): ExportedClientTask => {
      const task = tasks.get(id)!;
      const taskType = task.taskType.$;
      const product = taskType.product.$;
      return { name: task.name, product: { name: product.name, version: product.version }, taskType: taskType.name, settings: task.settings, enabled: task.enabled };
    });
    addAuditEvent(this.em, { actor: actorOf(user), action: 'exportClientTasks', outcome: AuditOutcome.SUCCESS, details: { clientTaskIds: ids } });
    await this.em.flush();
    return this.signatures.sign({ format: CLIENT_TASK_DOCUMENT_FORMAT, formatVersion: CLIENT_TASK_DOCUMENT_VERSION, exportedAt: new Date().toISOString(), clientTasks });
  }

  /**
   * Checks the whole document first and reports every problem at once; then writes all of it or,
   * on any failure, nothing. A dry run plans the same way and writes nothing but its audit entry.
   * The signature is checked first: one that does not hold is refused, and the server's policy
   * decides about unsigned documents and those of unknown signers.
   */
  async importClientTasks(user: User, document: unknown, conflictPolicy: ClientTaskConflictPolicy, dryRun: boolean): Promise<ClientTaskImport> {
    const actor = actorOf(user);
    try {
      const { clientTasks } = readClientTaskDocument(document);
      const signature = await this.signatures.check(document);
      return await this.em.transactional(async (em) => {
        const products = await em.find(Product, { name: { $in: unique(clientTasks.map((task) => task.product.name)) } });
        // Before the document is checked any further: only someone who may edit its products learns more about it.
        for (const product of products) await this.permissions.assert(user, product.id, ClientTaskCapability.EDIT);
        const plan = await this.planImport(em, user, this.matchTaskTypes(clientTasks, products, await em.find(ClientTaskType, { product: { $in: products } })), conflictPolicy, dryRun);
        const results: ClientTaskImportResult[] = [];
        for (const planned of plan) results.push(this.result(planned, dryRun ? null : await this.write(em, user, planned)));
        addAuditEvent(em, { actor, action: 'importClientTasks', outcome: AuditOutcome.SUCCESS, details: { conflictPolicy, dryRun, signature, results } });
        return { results, signature };
      });
    } catch (error) {
      // Someone created a task of one of the final names between planning and writing; the transaction rolled back.
      const refusal = error instanceof UniqueConstraintViolationException ? new ConflictError('A client task of the same name was created here while importing; nothing was imported, try again') : error;
      if (refusal instanceof DomainError) {
        await recordAuditEventNow(this.em, { actor, action: 'importClientTasks', outcome: AuditOutcome.FAILURE, details: { conflictPolicy, dryRun, code: refusal.code } });
      }
      throw refusal;
    }
  }

  /** Matches each task to its product and type here and checks its settings against the type's current schema. */
  private matchTaskTypes(clientTasks: ExportedClientTask[], products: Product[], taskTypes: ClientTaskType[]): ImportTarget[] {
    const productsByName = new Map(products.map((product) => [product.name, product]));
    const taskTypesByName = new Map(taskTypes.map((taskType) => [sameNameKey(taskType.product.id, taskType.name), taskType]));
    const checkers = new Map<string, ReturnType<typeof settingsChecker>>();
    const firstWithName = new Map<string, number>();
    const problems: string[] = [];
    const targets: ImportTarget[] = [];
    clientTasks.forEach((entry, index) => {
      const name = entry.name.trim();
      const where = `/clientTasks/${index} ("${name}")`;
      const exported = `${entry.product.name} ${entry.product.version}`;
      const product = productsByName.get(entry.product.name);
      if (!product) {
        problems.push(`${where}: the product ${entry.product.name} is not checked in on this server (the task was exported from ${exported}); check it in first`);
        return;
      }
      const taskType = taskTypesByName.get(sameNameKey(product.id, entry.taskType));
      if (!taskType) {
        problems.push(`${where}: ${product.name} ${product.version} has no task type "${entry.taskType}"`);
        return;
      }
      const key = sameNameKey(taskType.id, name);
      const first = firstWithName.get(key);
      if (first !== undefined) problems.push(`${where}: /clientTasks/${first} has the same name and task type (${product.name} ${taskType.name})`);
      else firstWithName.set(key, index);
      const checker = checkers.get(taskType.id) ?? settingsChecker(taskType);
      checkers.set(taskType.id, checker);
      const invalid = checker(entry.settings);
      if (invalid) problems.push(`${where}: ${invalid}${product.version === entry.product.version ? '' : ` (exported from ${exported}; this server has ${product.version})`}`);
      targets.push({ entry, name, taskType });
    });
    if (problems.length) throw new BadInputError(`Nothing was imported. ${problems.length === 1 ? 'One problem' : `${problems.length} problems`}: ${problems.join('; ')}`, 'document');
    return targets;
  }

  /** Decides per task, by the conflict policy, what happens when its type already has a task of that name, and whether that awaits approval. */
  private async planImport(em: EntityManager, user: User, targets: ImportTarget[], conflictPolicy: ClientTaskConflictPolicy, dryRun: boolean): Promise<PlannedImport[]> {
    const replacing = conflictPolicy === ClientTaskConflictPolicy.REPLACE && !dryRun;
    const sameName = await em.find(
      ClientTask,
      // Received tasks have names of their own origin's: only local tasks share a name with an import.
      { taskType: { $in: unique(targets.map((target) => target.taskType.id)) }, name: { $in: unique(targets.map((target) => target.name)) }, origin: null },
      // A replaced task stays locked until the import commits, as any change of a task does.
      replacing ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
    );
    const existing = new Map(sameName.map((task) => [sameNameKey(task.taskType.id, task.name), task]));
    const conflicts = targets.filter((target) => existing.has(sameNameKey(target.taskType.id, target.name)));
    if (conflictPolicy === ClientTaskConflictPolicy.REPLACE) for (const conflict of conflicts) await this.permissions.assertMayChange(user, existing.get(sameNameKey(conflict.taskType.id, conflict.name))!, 'edit');
    const takenNames = conflictPolicy === ClientTaskConflictPolicy.RENAME ? await this.namesTaken(em, targets, conflicts) : new Map<string, Set<string>>();
    const needsApproval = new Map<string, boolean>();
    for (const productId of unique(targets.map((target) => target.taskType.product.id))) needsApproval.set(productId, await this.permissions.editNeedsApproval(user, productId));
    return targets.map((target): PlannedImport => {
      const current = existing.get(sameNameKey(target.taskType.id, target.name)) ?? null;
      const awaitingApproval = needsApproval.get(target.taskType.product.id)!;
      if (!current) return { ...target, action: ClientTaskImportAction.CREATED, finalName: target.name, existing: null, awaitingApproval };
      switch (conflictPolicy) {
        case ClientTaskConflictPolicy.SKIP:
          return { ...target, action: ClientTaskImportAction.SKIPPED, finalName: current.name, existing: current, awaitingApproval: false };
        case ClientTaskConflictPolicy.REPLACE:
          return { ...target, action: ClientTaskImportAction.REPLACED, finalName: current.name, existing: current, awaitingApproval };
        case ClientTaskConflictPolicy.RENAME:
          return { ...target, action: ClientTaskImportAction.RENAMED, finalName: freeName(target.name, takenNames.get(target.taskType.id)!), existing: null, awaitingApproval };
      }
    });
  }

  /** Per task type of a conflict: the names its tasks have here, and the names this import gives others of that type. */
  private async namesTaken(em: EntityManager, targets: ImportTarget[], conflicts: ImportTarget[]): Promise<Map<string, Set<string>>> {
    const taskTypeIds = unique(conflicts.map((conflict) => conflict.taskType.id));
    const taken = new Map(taskTypeIds.map((id) => [id, new Set<string>()]));
    if (taskTypeIds.length === 0) return taken;
    const rows = await em.createQueryBuilder(ClientTask).select(['name', 'taskType']).where({ taskType: { $in: taskTypeIds }, origin: null }).execute<{ name: string; taskType: string }[]>();
    for (const { name, taskType } of [...rows, ...targets.map((target) => ({ name: target.name, taskType: target.taskType.id }))]) taken.get(taskType)?.add(name);
    return taken;
  }

  /** Writes one planned task, applied or, when the importer's edits need approval, proposed; returns the task. */
  private async write(em: EntityManager, user: User, planned: PlannedImport): Promise<ClientTask> {
    if (planned.action === ClientTaskImportAction.SKIPPED) return planned.existing!;
    if (planned.action === ClientTaskImportAction.REPLACED) {
      const task = planned.existing!;
      // Only the settings: an import neither renames a task here nor switches an assigned one on or off.
      const next: ClientTaskVersion = { name: task.name, settings: planned.entry.settings, enabled: task.enabled };
      if (planned.awaitingApproval) await this.approvals.propose(em, user, task, next);
      else task.applyRevision(next);
      return task;
    }
    const version: ClientTaskVersion = { name: planned.finalName, settings: planned.entry.settings, enabled: planned.entry.enabled };
    // As any creation awaiting approval: revision 0, which runs nowhere until an approver applies it.
    const task = em.create(ClientTask, { taskType: ref(planned.taskType), ...version, owner: ref(user), approvedRevision: planned.awaitingApproval ? 0 : 1 });
    if (planned.awaitingApproval) await this.approvals.propose(em, user, task, version);
    return task;
  }

  private result(planned: PlannedImport, written: ClientTask | null): ClientTaskImportResult {
    return {
      name: planned.name,
      finalName: planned.finalName,
      product: planned.entry.product.name,
      taskType: planned.taskType.name,
      action: planned.action,
      clientTaskId: written?.id ?? planned.existing?.id ?? null,
      awaitingApproval: planned.awaitingApproval,
    };
  }
}
