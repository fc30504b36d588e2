import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, PolicyEvent, RecordType, ScriptKey, Task, VaultRecord } from '../db/entities';
import { type Actor, AuditService } from './audit-service';
import { BadInputError, ConflictError, NotFoundError } from './errors';
import {
  assertFingerprint,
  assertHost,
  assertId,
  assertNodeName,
  assertNotBlank,
  assertPort,
  assertTimeZone,
  assertUsername,
} from './validation';
import type { VaultSecrets } from './vault-secrets';
import { LOCAL_NODE } from '../lib/config';
import { NodeService } from './node-service';

export interface TaskSpec {
  name: string;
  script: ScriptKey;
  policyEvents: PolicyEvent[];
  executionNode?: string | null;
}

export interface RecordTypeSpec {
  name: string;
  description?: string | null;
  tasks: TaskSpec[];
}

export interface RecordSpec {
  recordTypeId: string;
  name: string;
  host: string;
  port?: number | null;
  username: string;
  password: string;
  hostKeyFingerprint: string;
  timeZone?: string | null;
}

/** Record types, their tasks, and vault records. */
export class RecordService {
  private readonly audit: AuditService;

  constructor(
    private readonly em: EntityManager,
    private readonly secrets: VaultSecrets,
  ) {
    this.audit = new AuditService(em);
  }

  async createRecordType(actor: Actor, spec: RecordTypeSpec): Promise<RecordType> {
    assertNotBlank(spec.name, 'name');
    spec.tasks.forEach(assertTaskSpec);
    const nodes = new NodeService(this.em);
    for (const task of spec.tasks) await nodes.assertRegistered(task.executionNode ?? LOCAL_NODE);
    return this.writeOrConflict(`A record type named "${spec.name}" already exists`, () =>
      this.em.transactional(async (em) => {
        const recordType = em.create(RecordType, { name: spec.name.trim(), description: spec.description ?? undefined });
        for (const task of spec.tasks) {
          em.create(Task, {
            recordType,
            name: task.name.trim(),
            script: task.script,
            policyEvents: [...new Set(task.policyEvents)],
            executionNode: task.executionNode ?? 'local',
          });
        }
        new AuditService(em).add({
          actor,
          action: 'createRecordType',
          target: { type: 'RecordType', id: recordType.id },
          outcome: AuditOutcome.SUCCESS,
          details: { name: recordType.name, tasks: spec.tasks.map((task) => task.name) },
        });
        return recordType;
      }),
    );
  }

  async createRecord(actor: Actor, spec: RecordSpec): Promise<VaultRecord> {
    assertNotBlank(spec.name, 'name');
    assertHost(spec.host);
    const port = spec.port ?? 22;
    assertPort(port);
    assertUsername(spec.username);
    if (!spec.password) throw new BadInputError('password must not be empty', 'password');
    assertFingerprint(spec.hostKeyFingerprint);
    const timeZone = spec.timeZone ?? 'UTC';
    assertTimeZone(timeZone);
    const recordType = await this.getRecordType(spec.recordTypeId);
    return this.writeOrConflict(`A record named "${spec.name}" already exists`, () =>
      this.em.transactional(async (em) => {
        const record = em.create(VaultRecord, {
          recordType,
          name: spec.name.trim(),
          host: spec.host,
          port,
          username: spec.username,
          encryptedPassword: '',
          hostKeyFingerprint: spec.hostKeyFingerprint,
          timeZone,
        });
        record.encryptedPassword = this.secrets.seal(record.id, spec.password);
        new AuditService(em).add({
          actor,
          action: 'createRecord',
          target: { type: 'Record', id: record.id },
          outcome: AuditOutcome.SUCCESS,
          details: { name: record.name, host: record.host, port, username: record.username },
        });
        return record;
      }),
    );
  }

  /** Reveals the secured field. Every unlock is audited. */
  async unlockRecord(actor: Actor, recordId: string, reason?: string | null): Promise<string> {
    const record = await this.getRecord(recordId).catch(async (error: unknown) => {
      await this.audit.recordNow({ actor, action: 'unlockRecord', target: { type: 'Record', id: recordId.slice(0, 64) }, outcome: AuditOutcome.FAILURE });
      throw error;
    });
    await this.em.populate(record, ['encryptedPassword']);
    const password = this.secrets.open(record.id, record.encryptedPassword);
    this.audit.add({
      actor,
      action: 'unlockRecord',
      target: { type: 'Record', id: record.id },
      outcome: AuditOutcome.SUCCESS,
      details: { reason: reason ?? null },
    });
    await this.em.flush();
    return password;
  }

  async getRecord(id: string): Promise<VaultRecord> {
    assertId(id, 'Record');
    const record = await this.em.findOne(VaultRecord, { id });
    if (!record) throw new NotFoundError('Record', id);
    return record;
  }

  async getRecordType(id: string): Promise<RecordType> {
    assertId(id, 'Record type');
    const recordType = await this.em.findOne(RecordType, { id });
    if (!recordType) throw new NotFoundError('Record type', id);
    return recordType;
  }

  /** The tasks that apply to a record: those of its type. */
  async tasksOf(record: VaultRecord): Promise<Task[]> {
    return this.em.find(Task, { recordType: record.recordType.id }, { orderBy: { createdAt: 'asc' } });
  }

  private async writeOrConflict<T>(conflictMessage: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(conflictMessage);
      throw error;
    }
  }
}

function assertTaskSpec(task: TaskSpec): void {
  assertNotBlank(task.name, 'name');
  if (task.policyEvents.length === 0) throw new BadInputError(`Task "${task.name}" needs at least one policy event`, 'policyEvents');
  assertNodeName(task.executionNode ?? 'local');
}
