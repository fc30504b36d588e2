import { type FilterQuery, LockMode, ref, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import Ajv from 'ajv';
import { AuditOutcome, ClientTask, ClientTaskCapability, type ClientTaskChange, ClientTaskType, Product, type User } from '../../db/entities';
import { compareSettings, type SettingComparison } from '../../lib/settings-comparison';
import { compareVersions, VERSION_PATTERN } from '../../lib/versions';
import { describeSchemaErrors, settingsChecker } from './settings';
import { isBuiltInTaskType } from './endpoint/built-in-task-types';
import { type Actor, actorOf, addAuditEvent } from '../shared/audit';
import type { ClientTaskApprovals, ClientTaskVersion } from './approvals';
import type { ClientTaskPermissions } from './permissions';
import { BadInputError, ConflictError } from '../shared/errors';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import { assertNotBlank, UUID } from '../shared/validation';
import { findByIdOrNotFound } from '../shared/find';

type JsonObject = Record<string, unknown>;

export interface ProductManifest {
  name: string;
  version: string;
  taskTypes: { name: string; settingsSchema: JsonObject; supportedOs?: string[]; command?: string }[];
}

export interface ClientTaskFilter {
  product?: string | null;
  taskType?: string | null;
  enabled?: boolean | null;
}

/** What a create or change of a client task did: applied it, or left it awaiting approval. */
export interface ClientTaskWrite {
  clientTask: ClientTask;
  /** Set when the write awaits approval; the task keeps its approved version until then. */
  pendingChange: ClientTaskChange | null;
}

/** A task type's command is a shell script of at most 64 KiB. */
const MAX_COMMAND_BYTES = 64 * 1024;

/** The shape of a product manifest; each settingsSchema is then compiled on its own. */
const MANIFEST_SCHEMA = {
  type: 'object',
  required: ['name', 'version', 'taskTypes'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128, pattern: '\\S' },
    version: { type: 'string', pattern: VERSION_PATTERN },
    taskTypes: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['name', 'settingsSchema'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 128, pattern: '\\S' },
          settingsSchema: { type: 'object' },
          supportedOs: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 32 }, maxItems: 16 },
          command: { type: 'string', minLength: 1, maxLength: MAX_COMMAND_BYTES },
        },
      },
    },
  },
};

/** Compiles a settings schema strictly; one ajv instance per schema, so schema ids never clash. */
function compileSettingsSchema(schema: JsonObject, where: string) {
  try {
    return new Ajv({ strict: true, allErrors: true }).compile(schema);
  } catch (error) {
    throw new BadInputError(`${where}: the settings schema is not a valid JSON Schema: ${(error as Error).message}`, 'manifest');
  }
}

function assertName(name: string): string {
  assertNotBlank(name, 'name');
  const trimmed = name.trim();
  if (trimmed.length > 128) throw new BadInputError('A name is at most 128 characters', 'name');
  return trimmed;
}

/** Products, their client task types, and the catalog of client task objects. */
export class ClientCatalogService {
  constructor(
    private readonly em: EntityManager,
    private readonly permissions: ClientTaskPermissions,
    private readonly approvals: ClientTaskApprovals,
  ) {}

  products(): Promise<Product[]> {
    return this.em.find(Product, {}, { orderBy: { name: 'asc' } });
  }

  taskTypes(product: Product): Promise<ClientTaskType[]> {
    return this.em.find(ClientTaskType, { product: product.id }, { orderBy: { name: 'asc' } });
  }

  async product(id: string): Promise<Product> {
    return this.em.findOneOrFail(Product, { id });
  }

  async taskType(id: string): Promise<ClientTaskType> {
    return findByIdOrNotFound(this.em, ClientTaskType, id, 'Client task type');
  }

  async clientTask(id: string): Promise<ClientTask> {
    return findByIdOrNotFound(this.em, ClientTask, id, 'Client task');
  }

  /** A task, for a user who may view its product's client tasks. */
  async viewClientTask(user: User, id: string): Promise<ClientTask> {
    const task = await this.clientTask(id);
    await this.permissions.assertOnTask(user, task, ClientTaskCapability.VIEW);
    return task;
  }

  /** Adds a product with its task types, or updates them from a newer version. Everything is checked before anything is written. */
  async checkInProduct(actor: Actor, manifest: unknown): Promise<Product> {
    const validateManifest = new Ajv({ strict: true, allErrors: true }).compile<ProductManifest>(MANIFEST_SCHEMA);
    if (!validateManifest(manifest)) throw new BadInputError(`The manifest is malformed: ${describeSchemaErrors(validateManifest.errors)}`, 'manifest');
    const names = manifest.taskTypes.map((taskType) => taskType.name.trim());
    if (new Set(names).size !== names.length) throw new BadInputError('The manifest names a task type twice', 'manifest');
    for (const taskType of manifest.taskTypes) {
      if (taskType.settingsSchema.type !== 'object') throw new BadInputError(`Task type "${taskType.name}": the settings schema must describe an object ("type": "object")`, 'manifest');
      compileSettingsSchema(taskType.settingsSchema, `Task type "${taskType.name}"`);
      if (taskType.command === undefined && !isBuiltInTaskType(manifest.name.trim(), taskType.name.trim())) {
        throw new BadInputError(`Task type "${taskType.name}" needs a command: the shell script that carries it out on an endpoint`, 'manifest');
      }
      if (taskType.command !== undefined && Buffer.byteLength(taskType.command) > MAX_COMMAND_BYTES) throw new BadInputError(`Task type "${taskType.name}": a command is at most 64 KiB`, 'manifest');
    }
    const name = manifest.name.trim();
    try {
      return await this.em.transactional(async (em) => {
        let product = await em.findOne(Product, { name }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        const previousVersion = product?.version ?? null;
        if (product && compareVersions(manifest.version, product.version) <= 0) {
          throw new ConflictError(`${name} ${product.version} is checked in; only a newer version updates it`);
        }
        if (product) product.version = manifest.version;
        else product = em.create(Product, { name, version: manifest.version });
        const existing = new Map((await em.find(ClientTaskType, { product: product.id })).map((taskType) => [taskType.name, taskType]));
        const dropped = await this.droppableTaskTypes(em, name, manifest.version, [...existing.values()].filter((taskType) => !names.includes(taskType.name)));
        for (const declared of manifest.taskTypes) {
          const taskTypeName = declared.name.trim();
          const supportedOs = declared.supportedOs ?? ['linux'];
          const command = declared.command ?? null;
          const current = existing.get(taskTypeName);
          if (current) {
            current.settingsSchema = declared.settingsSchema;
            current.supportedOs = supportedOs;
            current.command = command;
          } else {
            em.create(ClientTaskType, { product: ref(product), name: taskTypeName, settingsSchema: declared.settingsSchema, supportedOs, command });
          }
        }
        dropped.forEach((taskType) => em.remove(taskType));
        addAuditEvent(em, {
          actor,
          action: 'checkInProduct',
          target: { type: 'Product', id: product.id },
          outcome: AuditOutcome.SUCCESS,
          details: { name, version: manifest.version, previousVersion, taskTypes: names, removedTaskTypes: dropped.map((taskType) => taskType.name) },
        });
        return product;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`${name} was checked in at the same time; try again`);
      throw error;
    }
  }

  /** Task types a newer version no longer declares go away with it, unless client tasks still use them. */
  private async droppableTaskTypes(em: EntityManager, product: string, version: string, dropped: ClientTaskType[]): Promise<ClientTaskType[]> {
    const used = await Promise.all(dropped.map(async (taskType) => ((await em.count(ClientTask, { taskType: taskType.id })) ? taskType.name : null)));
    const inUse = used.filter((taskType) => taskType !== null);
    if (inUse.length) throw new ConflictError(`${product} ${version} drops task type(s) ${inUse.join(', ')}, which client tasks still use; delete those tasks first`);
    return dropped;
  }

  async createClientTask(user: User, taskTypeId: string, name: string, settings: JsonObject): Promise<ClientTaskWrite> {
    const trimmed = assertName(name);
    const taskType = await this.taskTypeInput(taskTypeId);
    await this.permissions.assert(user, taskType.product.id, ClientTaskCapability.EDIT);
    this.assertSettings(taskType, settings);
    return this.addTask(user, taskType, { name: trimmed, settings, enabled: false }, 'createClientTask', { name: trimmed, taskTypeId });
  }

  async updateClientTask(user: User, taskId: string, changes: { name?: string | null; settings?: JsonObject | null }, version: number): Promise<ClientTaskWrite> {
    const task = await this.clientTask(taskId);
    await this.permissions.assertOnTask(user, task, ClientTaskCapability.EDIT);
    await this.permissions.assertMayChange(user, task, 'edit');
    const name = changes.name != null ? assertName(changes.name) : null;
    if (changes.settings != null) this.assertSettings(await this.taskType(task.taskType.id), changes.settings);
    const changed = Object.entries(changes).filter(([, value]) => value != null).map(([key]) => key);
    return this.changeTask(user, task, version, (current) => ({ name: name ?? current.name, settings: changes.settings ?? current.settings, enabled: current.enabled }), 'updateClientTask', { changed });
  }

  /** Copies a task under a new name; the copy starts disabled, is local and owned by the user, whatever the source was. */
  async duplicateClientTask(user: User, taskId: string, name: string): Promise<ClientTaskWrite> {
    const source = await this.clientTask(taskId);
    await this.permissions.assertOnTask(user, source, ClientTaskCapability.EDIT);
    const trimmed = assertName(name);
    const taskType = await this.taskType(source.taskType.id);
    return this.addTask(user, taskType, { name: trimmed, settings: structuredClone(source.settings), enabled: false }, 'duplicateClientTask', { sourceId: source.id, name: trimmed });
  }

  /** Enabling is a change like any other; disabling only stops a task from running, so it never waits for approval. */
  async setClientTaskEnabled(user: User, taskId: string, enabled: boolean): Promise<ClientTaskWrite> {
    const task = await this.clientTask(taskId);
    await this.permissions.assertOnTask(user, task, ClientTaskCapability.EDIT);
    await this.permissions.assertMayChange(user, task, 'edit');
    if (task.enabled === enabled) return { clientTask: task, pendingChange: null };
    return this.changeTask(user, task, null, (current) => ({ name: current.name, settings: current.settings, enabled }), 'setClientTaskEnabled', { enabled }, enabled);
  }

  /** The catalog, limited to the products whose client tasks the user may view. */
  async listClientTasks(user: User, filter: ClientTaskFilter, page: PageRequest): Promise<Page<ClientTask>> {
    const product: Record<string, unknown> = { id: { $in: await this.permissions.viewableProductIds(user) } };
    if (filter.product != null) product.name = filter.product;
    const taskType: Record<string, unknown> = { product };
    if (filter.taskType != null) taskType.name = filter.taskType;
    const where: FilterQuery<ClientTask> = { taskType: taskType as FilterQuery<ClientTaskType> };
    if (filter.enabled != null) where.enabled = filter.enabled;
    return paginateNewestFirst(this.em, ClientTask, where, page);
  }

  /** Two tasks of the same type, setting by setting (the union of their top-level keys). */
  async compareClientTasks(user: User, leftId: string, rightId: string): Promise<SettingComparison[]> {
    const [left, right] = [await this.viewClientTask(user, leftId), await this.viewClientTask(user, rightId)];
    if (left.taskType.id !== right.taskType.id) {
      const [leftType, rightType] = [await this.taskType(left.taskType.id), await this.taskType(right.taskType.id)];
      throw new BadInputError(`Only tasks of the same type can be compared: "${left.name}" is ${leftType.name}, "${right.name}" is ${rightType.name}`, 'rightId');
    }
    return compareSettings(left.settings, right.settings);
  }

  /** A new task: its first approved revision, or, when the user's edits need approval, an unapproved and disabled task whose creation awaits approval. */
  private async addTask(user: User, taskType: ClientTaskType, version: ClientTaskVersion, action: string, details: JsonObject): Promise<ClientTaskWrite> {
    const awaitingApproval = await this.permissions.editNeedsApproval(user, taskType.product.id);
    return this.uniqueName(version.name, () =>
      this.em.transactional(async (em) => {
        const clientTask = em.create(ClientTask, { taskType: ref(taskType), ...version, owner: ref(user), approvedRevision: awaitingApproval ? 0 : 1 });
        const pendingChange = awaitingApproval ? await this.approvals.propose(em, user, clientTask, version) : null;
        addAuditEvent(em, {
          actor: actorOf(user),
          action,
          target: { type: 'ClientTask', id: clientTask.id },
          outcome: AuditOutcome.SUCCESS,
          details: pendingChange ? { ...details, awaitingApproval: true, changeId: pendingChange.id } : details,
        });
        return { clientTask, pendingChange };
      }),
    );
  }

  /**
   * Applies a change as the task's next approved revision, or proposes it when the user's edits need
   * approval. The task's row stays locked meanwhile, so the version check and "one pending change per
   * task" hold against concurrent writers.
   */
  private async changeTask(
    user: User,
    task: ClientTask,
    version: number | null,
    next: (current: ClientTask) => ClientTaskVersion,
    action: string,
    details: JsonObject,
    approvable = true,
  ): Promise<ClientTaskWrite> {
    const awaitingApproval = approvable && (await this.permissions.editNeedsApproval(user, await this.permissions.productOf(task)));
    return this.em.transactional(async (em) => {
      const current = await em.findOneOrFail(ClientTask, { id: task.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (version != null) await em.lock(current, LockMode.OPTIMISTIC, version);
      const proposed = next(current);
      const entry = { actor: actorOf(user), action, target: { type: 'ClientTask', id: current.id }, outcome: AuditOutcome.SUCCESS };
      if (awaitingApproval) {
        const pendingChange = await this.approvals.propose(em, user, current, proposed);
        addAuditEvent(em, { ...entry, details: { ...details, awaitingApproval: true, changeId: pendingChange.id } });
        return { clientTask: current, pendingChange };
      }
      current.applyRevision(proposed);
      addAuditEvent(em, { ...entry, details: { ...details, revision: current.approvedRevision } });
      await this.uniqueName(proposed.name, () => em.flush());
      return { clientTask: current, pendingChange: null };
    });
  }

  private assertSettings(taskType: ClientTaskType, settings: JsonObject): void {
    const problem = settingsChecker(taskType)(settings);
    if (problem) throw new BadInputError(problem, 'settings');
  }

  private async taskTypeInput(id: string): Promise<ClientTaskType> {
    const taskType = UUID.test(id) ? await this.em.findOne(ClientTaskType, { id }) : null;
    if (!taskType) throw new BadInputError(`No client task type ${id} exists`, 'taskTypeId');
    return taskType;
  }

  private async uniqueName<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`A client task of this type named "${name}" already exists`);
      throw error;
    }
  }
}
