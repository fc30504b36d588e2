import { type FilterQuery, LockMode, ref, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, RecordType, Task, VaultRecord } from '../../db/entities';
import { type Actor, addAuditEvent, recordAuditEventNow } from '../shared/audit';
import { BadInputError, ConflictError } from '../shared/errors';
import { assertFingerprint, assertHost, assertNotBlank, assertPassword, assertPort, assertTimeZone, assertUsername } from '../shared/validation';
import type { VaultSecrets } from '../shared/vault-secrets';
import type { NodeService } from '../nodes/node-service';
import { passwordHostAccepts, type RevealedPassword } from './revealed-password';
import { assertTaskSpec, createTask, type TaskSpec } from './task-spec';
import { findByIdOrNotFound } from '../shared/find';
import { assertRecordSpec } from './record-spec-checks';
import { checkedRecordFieldValues, recordFieldDeclarations, type RecordFieldDeclarationSpec, type RecordFieldValueSpec } from './record-fields';

export interface RecordTypeSpec {
  name: string;
  description?: string | null;
  tasks: TaskSpec[];
  fields?: RecordFieldDeclarationSpec[] | null;
}

export interface RecordTypeChanges {
  name?: string | null;
  description?: string | null;
  /** Replaces every declaration; records keep their values until next updated. */
  fields?: RecordFieldDeclarationSpec[] | null;
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
  referencedRecordId?: string | null;
  /** Values of the record type's custom fields; non-secret. */
  fields?: RecordFieldValueSpec[] | null;
}

export type RecordChanges = Partial<Omit<RecordSpec, 'recordTypeId'>>;

/** Record types, their tasks, and vault records. */
export class RecordService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: VaultSecrets,
    private readonly nodes: NodeService,
  ) {}

  async createRecordType(actor: Actor, spec: RecordTypeSpec): Promise<RecordType> {
    assertNotBlank(spec.name, 'name');
    const fields = recordFieldDeclarations(spec.fields ?? []);
    for (const task of spec.tasks) await assertTaskSpec(this.em, this.nodes, task);
    return this.writeOrConflict(`A record type named "${spec.name}" already exists`, () =>
      this.em.transactional(async (em) => {
        const recordType = em.create(RecordType, { name: spec.name.trim(), description: spec.description ?? undefined, fields });
        // Tasks keep the order given: task lists are ordered by creation time.
        const now = Date.now();
        spec.tasks.forEach((task, index) => {
          createTask(em, { recordType }, task).createdAt = new Date(now + index);
        });
        addAuditEvent(em, {
          actor,
          action: 'createRecordType',
          target: { type: 'RecordType', id: recordType.id },
          outcome: AuditOutcome.SUCCESS,
          details: { name: recordType.name, tasks: spec.tasks.map((task) => task.name), fields: fields.map((field) => field.name) },
        });
        return recordType;
      }),
    );
  }

  async createRecord(actor: Actor, spec: RecordSpec): Promise<VaultRecord> {
    const recordType = await this.getRecordType(spec.recordTypeId);
    assertRecordSpec(spec, recordType.fields);
    const port = spec.port ?? 22;
    const timeZone = spec.timeZone ?? 'UTC';
    const referenced = spec.referencedRecordId ? await this.getRecord(spec.referencedRecordId) : null;
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
          referencedRecord: referenced,
          fieldValues: checkedRecordFieldValues(spec.fields ?? [], recordType.fields),
        });
        record.encryptedPassword = this.secrets.seal(record.id, spec.password);
        addAuditEvent(em, {
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

  /** Changes a record; `version` is the one the caller read (optimistic locking). */
  async updateRecord(actor: Actor, recordId: string, changes: RecordChanges, version: number): Promise<VaultRecord> {
    const record = await this.getRecord(recordId);
    if (changes.name !== undefined && changes.name !== null) assertNotBlank(changes.name, 'name');
    if (changes.host != null) assertHost(changes.host);
    if (changes.port != null) assertPort(changes.port);
    if (changes.username != null) assertUsername(changes.username);
    if (changes.hostKeyFingerprint != null) assertFingerprint(changes.hostKeyFingerprint);
    if (changes.timeZone != null) assertTimeZone(changes.timeZone);
    if (changes.password != null) assertPassword(changes.password);
    const fieldValues = changes.fields != null ? checkedRecordFieldValues(changes.fields, (await record.recordType.loadOrFail()).fields) : null;
    await this.em.lock(record, LockMode.OPTIMISTIC, version);
    return this.writeOrConflict(`A record named "${changes.name}" already exists`, async () => {
      if (changes.name != null) record.name = changes.name.trim();
      if (changes.host != null) record.host = changes.host;
      if (changes.port != null) record.port = changes.port;
      if (changes.username != null) record.username = changes.username;
      if (changes.hostKeyFingerprint != null) record.hostKeyFingerprint = changes.hostKeyFingerprint;
      if (changes.timeZone != null) record.timeZone = changes.timeZone;
      if (changes.referencedRecordId != null) record.referencedRecord = ref(await this.referenceable(record, changes.referencedRecordId));
      if (fieldValues) record.fieldValues = fieldValues;
      if (changes.password) record.encryptedPassword = this.secrets.seal(record.id, changes.password);
      const changed = Object.entries(changes).filter(([, value]) => value != null).map(([key]) => key);
      addAuditEvent(this.em, { actor, action: 'updateRecord', target: { type: 'Record', id: record.id }, outcome: AuditOutcome.SUCCESS, details: { changed } });
      await this.em.flush();
      return record;
    });
  }

  /** A record may reference another, but never itself, directly or through a chain. */
  private async referenceable(record: VaultRecord, referencedId: string): Promise<VaultRecord> {
    let current: VaultRecord | null = await this.getRecord(referencedId);
    const referenced = current;
    for (let depth = 0; current && depth < 64; depth++) {
      if (current.id === record.id) throw new BadInputError('A record cannot reference itself, directly or through other records', 'referencedRecordId');
      current = (await current.referencedRecord?.load()) ?? null;
    }
    return referenced;
  }

  /** Deletes the record with its history. Callers cancel its open jobs first. */
  async deleteRecord(actor: Actor, recordId: string): Promise<void> {
    const record = await this.getRecord(recordId);
    this.em.remove(record);
    addAuditEvent(this.em, { actor, action: 'deleteRecord', target: { type: 'Record', id: record.id }, outcome: AuditOutcome.SUCCESS, details: { name: record.name } });
    await this.em.flush();
  }

  async updateRecordType(actor: Actor, recordTypeId: string, changes: RecordTypeChanges, version: number): Promise<RecordType> {
    const recordType = await this.getRecordType(recordTypeId);
    if (changes.name != null) assertNotBlank(changes.name, 'name');
    const fields = changes.fields != null ? recordFieldDeclarations(changes.fields) : null;
    await this.em.lock(recordType, LockMode.OPTIMISTIC, version);
    return this.writeOrConflict(`A record type named "${changes.name}" already exists`, async () => {
      if (changes.name != null) recordType.name = changes.name.trim();
      if (changes.description !== undefined) recordType.description = changes.description ?? undefined;
      if (fields) recordType.fields = fields;
      addAuditEvent(this.em, { actor, action: 'updateRecordType', target: { type: 'RecordType', id: recordType.id }, outcome: AuditOutcome.SUCCESS });
      await this.em.flush();
      return recordType;
    });
  }

  /** A record type in use by records cannot be deleted. */
  async deleteRecordType(actor: Actor, recordTypeId: string): Promise<void> {
    const recordType = await this.getRecordType(recordTypeId);
    const inUse = await this.em.count(VaultRecord, { recordType: recordType.id });
    if (inUse > 0) throw new ConflictError(`${inUse} record(s) still use the record type "${recordType.name}"; delete or move them first`);
    this.em.remove(recordType);
    addAuditEvent(this.em, { actor, action: 'deleteRecordType', target: { type: 'RecordType', id: recordType.id }, outcome: AuditOutcome.SUCCESS, details: { name: recordType.name } });
    await this.em.flush();
  }

  /** Reveals the secured field: the password the host last accepted. Every unlock is audited. */
  async unlockRecord(actor: Actor, recordId: string, reason?: string | null): Promise<RevealedPassword> {
    const record = await this.getRecord(recordId).catch(async (error: unknown) => {
      await recordAuditEventNow(this.em, { actor, action: 'unlockRecord', target: { type: 'Record', id: recordId.slice(0, 64) }, outcome: AuditOutcome.FAILURE });
      throw error;
    });
    await this.em.populate(record, ['encryptedPassword', 'encryptedPendingPassword']);
    const revealed = passwordHostAccepts(record, this.secrets);
    addAuditEvent(this.em, {
      actor,
      action: 'unlockRecord',
      target: { type: 'Record', id: record.id },
      outcome: AuditOutcome.SUCCESS,
      details: { reason: reason ?? null },
    });
    await this.em.flush();
    return revealed;
  }

  async getRecord(id: string): Promise<VaultRecord> {
    return findByIdOrNotFound(this.em, VaultRecord, id, 'Record');
  }

  async getRecordType(id: string): Promise<RecordType> {
    return findByIdOrNotFound(this.em, RecordType, id, 'Record type');
  }

  /** Records whose custom fields hold every given value: a containment test each, which the GIN index on "fields" answers. */
  fieldsFilter(values: RecordFieldValueSpec[]): FilterQuery<VaultRecord> {
    if (!values.length) return {};
    const matching = this.em.getKnex()('records').select('records.id');
    for (const { name, value } of values) matching.whereRaw('"records"."fields" @> ?::jsonb', [JSON.stringify({ [name]: value })]);
    return { id: { $in: matching as never } };
  }

  /** The tasks that apply to a record: its own after Make Unique, otherwise its type's. */
  async tasksOf(record: VaultRecord): Promise<Task[]> {
    const owner = record.tasksUnique ? { record: record.id } : { recordType: record.recordType.id };
    return this.em.find(Task, owner, { orderBy: { createdAt: 'asc', id: 'asc' } });
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
