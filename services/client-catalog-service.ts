import { isDeepStrictEqual } from 'node:util';
import { type FilterQuery, LockMode, ref, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import Ajv, { type ErrorObject } from 'ajv';
import { AuditOutcome, ClientTask, ClientTaskType, Product } from '../db/entities';
import { type Actor, AuditService } from './audit-service';
import { BadInputError, ConflictError, NotFoundError } from './errors';
import { type Page, type PageRequest, paginateNewestFirst } from './pagination';
import { assertId, assertNotBlank, UUID } from './validation';

type JsonObject = Record<string, unknown>;

export interface ProductManifest {
  name: string;
  version: string;
  taskTypes: { name: string; settingsSchema: JsonObject; supportedOs?: string[] }[];
}

export interface ClientTaskFilter {
  product?: string | null;
  taskType?: string | null;
  enabled?: boolean | null;
}

export interface SettingComparison {
  key: string;
  left: unknown;
  right: unknown;
  same: boolean;
}

const VERSION = '^\\d{1,9}(\\.\\d{1,9}){0,3}$';

/** The shape of a product manifest; each settingsSchema is then compiled on its own. */
const MANIFEST_SCHEMA = {
  type: 'object',
  required: ['name', 'version', 'taskTypes'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128, pattern: '\\S' },
    version: { type: 'string', pattern: VERSION },
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
        },
      },
    },
  },
};

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`).join('; ');
}

function compareVersions(left: string, right: string): number {
  const a = left.split('.').map(Number);
  const b = right.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference) return Math.sign(difference);
  }
  return 0;
}

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
  private readonly audit: AuditService;

  constructor(private readonly em: EntityManager) {
    this.audit = new AuditService(em);
  }

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
    assertId(id, 'Client task type');
    const taskType = await this.em.findOne(ClientTaskType, { id });
    if (!taskType) throw new NotFoundError('Client task type', id);
    return taskType;
  }

  async clientTask(id: string): Promise<ClientTask> {
    assertId(id, 'Client task');
    const task = await this.em.findOne(ClientTask, { id });
    if (!task) throw new NotFoundError('Client task', id);
    return task;
  }

  /** Adds a product with its task types, or updates them from a newer version. Everything is checked before anything is written. */
  async checkInProduct(actor: Actor, manifest: unknown): Promise<Product> {
    const validateManifest = new Ajv({ strict: true, allErrors: true }).compile<ProductManifest>(MANIFEST_SCHEMA);
    if (!validateManifest(manifest)) throw new BadInputError(`The manifest is malformed: ${describeErrors(validateManifest.errors)}`, 'manifest');
    const names = manifest.taskTypes.map((taskType) => taskType.name.trim());
    if (new Set(names).size !== names.length) throw new BadInputError('The manifest names a task type twice', 'manifest');
    for (const taskType of manifest.taskTypes) {
      if (taskType.settingsSchema.type !== 'object') throw new BadInputError(`Task type "${taskType.name}": the settings schema must describe an object ("type": "object")`, 'manifest');
      compileSettingsSchema(taskType.settingsSchema, `Task type "${taskType.name}"`);
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
        for (const declared of manifest.taskTypes) {
          const taskTypeName = declared.name.trim();
          const supportedOs = declared.supportedOs ?? ['linux'];
          const current = existing.get(taskTypeName);
          if (current) {
            current.settingsSchema = declared.settingsSchema;
            current.supportedOs = supportedOs;
          } else {
            em.create(ClientTaskType, { product: ref(product), name: taskTypeName, settingsSchema: declared.settingsSchema, supportedOs });
          }
        }
        new AuditService(em).add({
          actor,
          action: 'checkInProduct',
          target: { type: 'Product', id: product.id },
          outcome: AuditOutcome.SUCCESS,
          details: { name, version: manifest.version, previousVersion, taskTypes: names },
        });
        return product;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`${name} was checked in at the same time; try again`);
      throw error;
    }
  }

  async createClientTask(actor: Actor, taskTypeId: string, name: string, settings: JsonObject): Promise<ClientTask> {
    const trimmed = assertName(name);
    const taskType = await this.taskTypeInput(taskTypeId);
    this.assertSettings(taskType, settings);
    return this.uniqueName(trimmed, async () => {
      const task = this.em.create(ClientTask, { taskType: ref(taskType), name: trimmed, settings });
      this.audit.add({ actor, action: 'createClientTask', target: { type: 'ClientTask', id: task.id }, outcome: AuditOutcome.SUCCESS, details: { name: trimmed, taskTypeId } });
      await this.em.flush();
      return task;
    });
  }

  async updateClientTask(actor: Actor, taskId: string, changes: { name?: string | null; settings?: JsonObject | null }, version: number): Promise<ClientTask> {
    const task = await this.clientTask(taskId);
    const name = changes.name != null ? assertName(changes.name) : null;
    if (changes.settings != null) this.assertSettings(await this.taskType(task.taskType.id), changes.settings);
    await this.em.lock(task, LockMode.OPTIMISTIC, version);
    return this.uniqueName(name ?? task.name, async () => {
      if (name != null) task.name = name;
      if (changes.settings != null) task.settings = changes.settings;
      const changed = Object.entries(changes).filter(([, value]) => value != null).map(([key]) => key);
      this.audit.add({ actor, action: 'updateClientTask', target: { type: 'ClientTask', id: task.id }, outcome: AuditOutcome.SUCCESS, details: { changed } });
      await this.em.flush();
      return task;
    });
  }

  /** Copies a task under a new name; the copy starts disabled. */
  async duplicateClientTask(actor: Actor, taskId: string, name: string): Promise<ClientTask> {
    const source = await this.clientTask(taskId);
    const trimmed = assertName(name);
    return this.uniqueName(trimmed, async () => {
      const copy = this.em.create(ClientTask, { taskType: source.taskType, name: trimmed, settings: structuredClone(source.settings) });
      this.audit.add({ actor, action: 'duplicateClientTask', target: { type: 'ClientTask', id: copy.id }, outcome: AuditOutcome.SUCCESS, details: { sourceId: source.id, name: trimmed } });
      await this.em.flush();
      return copy;
    });
  }

  async setClientTaskEnabled(actor: Actor, taskId: string, enabled: boolean): Promise<ClientTask> {
    const task = await this.clientTask(taskId);
    if (task.enabled !== enabled) {
      task.enabled = enabled;
      this.audit.add({ actor, action: 'setClientTaskEnabled', target: { type: 'ClientTask', id: task.id }, outcome: AuditOutcome.SUCCESS, details: { enabled } });
      await this.em.flush();
    }
    return task;
  }

  listClientTasks(filter: ClientTaskFilter, page: PageRequest): Promise<Page<ClientTask>> {
    const taskType: Record<string, unknown> = {};
    if (filter.taskType != null) taskType.name = filter.taskType;
    if (filter.product != null) taskType.product = { name: filter.product };
    const where: FilterQuery<ClientTask> = {};
    if (Object.keys(taskType).length) where.taskType = taskType as FilterQuery<ClientTaskType>;
    if (filter.enabled != null) where.enabled = filter.enabled;
    return paginateNewestFirst(this.em, ClientTask, where, page);
  }

  /** Two tasks of the same type, setting by setting (the union of their top-level keys). */
  async compareClientTasks(leftId: string, rightId: string): Promise<SettingComparison[]> {
    const [left, right] = [await this.clientTask(leftId), await this.clientTask(rightId)];
    if (left.taskType.id !== right.taskType.id) {
      const [leftType, rightType] = [await this.taskType(left.taskType.id), await this.taskType(right.taskType.id)];
      throw new BadInputError(`Only tasks of the same type can be compared: "${left.name}" is ${leftType.name}, "${right.name}" is ${rightType.name}`, 'rightId');
    }
    const keys = [...new Set([...Object.keys(left.settings), ...Object.keys(right.settings)])].sort();
    return keys.map((key) => {
      const l = left.settings[key] ?? null;
      const r = right.settings[key] ?? null;
      return { key, left: l, right: r, same: isDeepStrictEqual(l, r) };
    });
  }

  private assertSettings(taskType: ClientTaskType, settings: JsonObject): void {
    const validate = compileSettingsSchema(taskType.settingsSchema, `Task type "${taskType.name}"`);
    if (!validate(settings)) throw new BadInputError(`The settings are invalid for ${taskType.name}: ${describeErrors(validate.errors)}`, 'settings');
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
