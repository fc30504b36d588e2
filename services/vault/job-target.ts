import type { EntityManager } from '@mikro-orm/postgresql';
import { type Task, VaultRecord } from '../../db/entities';
import { TargetRecord } from '../../lib/enums';
import type { RecordService } from './record-service';

export interface JobTarget {
  record: VaultRecord;
  task: Task;
  /** Why the job runs elsewhere, or why it could not; null when the task targets its own record. */
  note: string | null;
}

/**
 * The seed's Target Record rule: a task targeting its Referenced (or Shadow) record schedules the
 * job for that record, running that record's task with the same script (and the same library
 * script, when the task names one); when there is no such
 * record or task, the job runs for the record itself.
 */
export async function resolveJobTarget(em: EntityManager, records: RecordService, record: VaultRecord, task: Task): Promise<JobTarget> {
  if (task.targetRecord === TargetRecord.ITSELF) return { record, task, note: null };
  const kind = task.targetRecord === TargetRecord.REFERENCED ? 'referenced' : 'shadow';
  const otherId = task.targetRecord === TargetRecord.REFERENCED ? record.referencedRecord?.id : task.shadowRecord?.id;
  if (!otherId) return { record, task, note: `Task "${task.name}" targets the ${kind} record, which ${record.name} has none of; runs for the record itself` };
  const other = await em.findOneOrFail(VaultRecord, { id: otherId });
  const otherTask = (await records.tasksOf(other)).find((candidate) => candidate.script === task.script && candidate.libraryScript?.id === task.libraryScript?.id);
  if (!otherTask) {
    return { record, task, note: `The ${kind} record ${other.name} has no task running ${task.script}; runs for the record itself` };
  }
  return { record: other, task: otherTask, note: `Scheduled for the ${kind} record ${other.name} by task "${task.name}" of ${record.name}` };
}
