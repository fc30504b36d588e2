import { randomUUID } from 'node:crypto';
import { ref, type RequiredEntityData, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, Job, JobEvent, RecordType, type Task, type User, VaultRecord } from '../../db/entities';
import { PolicyEvent, RECURRING_EVENTS } from '../../lib/enums';
import { actorOf, addAuditEvent } from '../shared/audit';
import { ConflictError } from '../shared/errors';
import type { VaultSecrets } from '../shared/vault-secrets';
import type { EngineOutbox } from '../jobs/engine-outbox';
import { newJobRows, type NewJobRows } from '../jobs/job-service';
import { resolveJobTarget } from './job-target';
import { type ImportRow, parseImportRows, RecordImportFormat } from './record-import-rows';
import type { RecordService, RecordSpec } from './record-service';
import { type FieldProblem, recordSpecProblems } from './record-spec-checks';
import { checkedRecordFieldValues } from './record-fields';
import { eventJob, occurrenceJob } from './task-scheduler';

export { RecordImportFormat };

export interface RecordImportRequest {
  format: RecordImportFormat;
  content: string;
  dryRun?: boolean | null;
  /** The record type of rows that name none in their `recordType` column. */
  recordTypeId?: string | null;
}

/** A problem with one data row: rows count from 1, the header (or the array's brackets) not counted. */
export interface RowProblem extends FieldProblem {
  row: number;
}

export interface RecordImportResult {
  dryRun: boolean;
  /** How many records were created, or on a dry run would be; 0 when any row has a problem. */
  created: number;
  /** The first records created, in the order of the rows. */
  recordIds: string[];
  errors: RowProblem[];
}

/** The input class's own checks (class-validator, in the API), run on each row as createRecord runs them on its input. */
export type RowShapeCheck = (spec: RecordSpec) => Promise<FieldProblem[]>;

/** How many created records the result names. */
const IMPORT_RECORDS_RETURNED = 100;
/** Start commands delivered before the answer, one at a time; the outbox relay delivers the rest. */
const DELIVERED_BEFORE_ANSWER = 20;
/** Names looked up per query: well under PostgreSQL's limit of bound parameters. */
const NAME_LOOKUP_CHUNK = 10_000;
/** Rows inserted per chunk. */
const WRITE_CHUNK = 1_000;

/** What one chunk of the import inserts. */
interface ImportChunk {
  records: (RequiredEntityData<VaultRecord> & { id: string })[];
  jobs: NewJobRows[];
}

/** What every chunk of one import schedules with. */
interface ChunkScheduling {
  em: EntityManager;
  now: Date;
  reason: string;
  /** A new record has its type's tasks (none of its own yet): read once per type. */
  tasksByType: Map<string, Task[]>;
}

interface CheckedRow {
  row: number;
  spec: RecordSpec;
  recordType: RecordType;
}

/**
 * Creates many records at once, all or nothing (issue 14): every row passes createRecord's checks
 * (its input's, the field rules, an existing record type, a name unique among records and in the
 * file) or none is written and every problem is reported. A valid import is written in one
 * transaction with what createRecord schedules: each record's first recurring occurrences and its
 * After creating or updating a record jobs.
 */
export class RecordImportService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: VaultSecrets,
    private readonly records: RecordService,
    private readonly outbox: EngineOutbox,
  ) {}

  async importRecords(user: User, request: RecordImportRequest, checkShape: RowShapeCheck): Promise<RecordImportResult> {
    const dryRun = request.dryRun ?? false;
    const defaultType = request.recordTypeId ? await this.records.getRecordType(request.recordTypeId) : null;
    const rows = parseImportRows(request.format, request.content);
    const { checked, errors } = await this.check(rows, defaultType, checkShape);
    if (errors.length) return { dryRun, created: 0, recordIds: [], errors };
    if (dryRun) return { dryRun, created: checked.length, recordIds: [], errors: [] };
    const { recordIds, workflowIds } = await this.write(user, request.format, checked).catch((error: unknown) => {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError('A record of the same name as one in the import was created meanwhile; nothing was imported');
      throw error;
    });
    await this.outbox.deliverSoon(workflowIds.slice(0, DELIVERED_BEFORE_ANSWER));
    return { dryRun, created: recordIds.length, recordIds: recordIds.slice(0, IMPORT_RECORDS_RETURNED), errors: [] };
  }

  private async check(rows: ImportRow[], defaultType: RecordType | null, checkShape: RowShapeCheck): Promise<{ checked: CheckedRow[]; errors: RowProblem[] }> {
    const typesByName = await this.recordTypesNamed(rows);
    const existing = await this.existingNames(rows.map(({ spec }) => spec.name.trim()));
    const firstRowOfName = new Map<string, number>();
    const checked: CheckedRow[] = [];
    const errors: RowProblem[] = [];
    for (const { row, spec: fields, recordTypeName, problems: parseProblems } of rows) {
      const recordType = recordTypeName ? typesByName.get(recordTypeName) : defaultType;
      const spec: RecordSpec = { ...fields, recordTypeId: recordType?.id ?? '' };
      // The record type is resolved here and reported as recordType: the input class's check of its ID adds nothing.
      const shapeProblems = (await checkShape(spec)).filter((problem) => problem.field !== 'recordTypeId');
      const problems = [...parseProblems, ...shapeProblems, ...recordSpecProblems(spec, recordType?.fields ?? [])];
      if (!recordType) {
        problems.push(
          recordTypeName
            ? { field: 'recordType', code: 'NOT_FOUND', message: `No record type is named "${recordTypeName}"` }
            : { field: 'recordType', code: 'BAD_USER_INPUT', message: 'Name the record type in a recordType column, or give recordTypeId' },
        );
      }
      const name = spec.name.trim();
      const earlier = firstRowOfName.get(name);
      if (earlier !== undefined) problems.push({ field: 'name', code: 'CONFLICT', message: `The name "${name}" is already on row ${earlier}` });
      else if (name) firstRowOfName.set(name, row);
      if (existing.has(name)) problems.push({ field: 'name', code: 'CONFLICT', message: `A record named "${name}" already exists` });
      // createRecord's input and service check some fields alike (an empty password): one problem per field.
      const seenFields = new Set<string | null>();
      for (const problem of problems) {
        if (seenFields.has(problem.field)) continue;
        seenFields.add(problem.field);
        errors.push({ row, ...problem });
      }
      if (!problems.length && recordType) checked.push({ row, spec, recordType });
    }
    return { checked, errors };
  }

  private async recordTypesNamed(rows: ImportRow[]): Promise<Map<string, RecordType>> {
    const names = [...new Set(rows.map((row) => row.recordTypeName).filter((name): name is string => !!name))];
    const types = names.length ? await this.em.find(RecordType, { name: { $in: names } }) : [];
    return new Map(types.map((type) => [type.name, type]));
  }

  private async existingNames(names: string[]): Promise<Set<string>> {
    const existing = new Set<string>();
    for (let start = 0; start < names.length; start += NAME_LOOKUP_CHUNK) {
      const chunk = names.slice(start, start + NAME_LOOKUP_CHUNK);
      const found: { name: string }[] = await this.em.execute(`select "name" from "records" where "name" in (${chunk.map(() => '?').join(', ')})`, chunk);
      for (const { name } of found) existing.add(name);
    }
    return existing;
  }

  /**
   * One transaction, a chunk of rows at a time. Plain rows are inserted in bulk, outside the unit
   * of work: its change tracking, and inserting entities, cost more than the writing itself. A
   * chunk is built while the one before it is written, so the event loop works while the database does.
   */
  private async write(user: User, format: RecordImportFormat, rows: CheckedRow[]): Promise<{ recordIds: string[]; workflowIds: string[] }> {
    const actor = actorOf(user);
    return this.em.transactional(async (em) => {
      const scheduling: ChunkScheduling = { em, now: new Date(), reason: `${user.username} imported the record`, tasksByType: new Map() };
      const recordIds: string[] = [];
      const workflowIds: string[] = [];
      let written: Promise<void> = Promise.resolve();
      for (let start = 0; start < rows.length; start += WRITE_CHUNK) {
        // A failed insert aborts the transaction: its error, not the next chunk's, is the one to report.
        const chunk = await this.buildChunk(scheduling, rows.slice(start, start + WRITE_CHUNK)).catch(async (error: unknown) => {
          await written;
          throw error;
        });
        recordIds.push(...chunk.records.map(({ id }) => id));
        workflowIds.push(...chunk.jobs.map(({ job }) => job.workflowId));
        await written;
        written = this.insert(em, chunk);
        // Awaited with the next chunk; until then this only keeps its failure from going unhandled.
        written.catch(() => undefined);
      }
      await written;
      // One entry for the import, not one per record as createRecord writes: the audit chain seals
      // every entry at commit against one head row, and 100,000 of them kept the commit going for minutes.
      addAuditEvent(em, {
        actor,
        action: 'importRecords',
        outcome: AuditOutcome.SUCCESS,
        details: { format, created: recordIds.length, recordTypes: [...new Set(rows.map(({ recordType }) => recordType.name))] },
      });
      return { recordIds, workflowIds };
    });
  }

  /** The rows of a chunk of records and of what createRecord schedules for each: its first recurring occurrences and its After creating or updating a record jobs. */
  private async buildChunk({ em, now, reason, tasksByType }: ChunkScheduling, rows: CheckedRow[]): Promise<ImportChunk> {
    const chunk: ImportChunk = { records: [], jobs: [] };
    for (const { spec, recordType } of rows) {
      const id = randomUUID();
      const row: ImportChunk['records'][number] = {
        id,
        recordType: recordType.id,
        name: spec.name.trim(),
        host: spec.host,
        port: spec.port ?? 22,
        username: spec.username,
        encryptedPassword: this.secrets.seal(id, spec.password),
        hostKeyFingerprint: spec.hostKeyFingerprint,
        timeZone: spec.timeZone ?? 'UTC',
        fieldValues: checkedRecordFieldValues(spec.fields ?? [], recordType.fields),
      };
      chunk.records.push(row);
      // An entity to schedule from, which no entity manager tracks: em.create's would be held until the commit.
      const record = Object.assign(new VaultRecord(), row, { recordType: ref(recordType) });
      let tasks = tasksByType.get(recordType.id);
      if (!tasks) tasksByType.set(recordType.id, (tasks = await this.records.tasksOf(record)));
      for (const task of tasks) {
        const recurring = task.policyEvents.some((event) => RECURRING_EVENTS.includes(event));
        const afterChange = task.policyEvents.includes(PolicyEvent.AFTER_RECORD_CHANGE);
        if (!recurring && !afterChange) continue;
        const target = await resolveJobTarget(em, this.records, record, task);
        const occurrence = recurring ? occurrenceJob({ record, task }, target, now, null) : null;
        if (occurrence) chunk.jobs.push(newJobRows(occurrence));
        if (afterChange) chunk.jobs.push(newJobRows(eventJob(target, PolicyEvent.AFTER_RECORD_CHANGE, now, reason)));
      }
    }
    return chunk;
  }

  /** A chunk's records, then its jobs, their first events and their start commands, in the order their foreign keys need. */
  private async insert(em: EntityManager, { records, jobs }: ImportChunk): Promise<void> {
    await em.insertMany(VaultRecord, records);
    if (!jobs.length) return;
    await em.insertMany(Job, jobs.map(({ job }) => job));
    await em.insertMany(JobEvent, jobs.map(({ job, event }) => ({ ...event, job: job.id })));
    await this.outbox.insertMany(em, jobs.map(({ start }) => start));
  }
}
