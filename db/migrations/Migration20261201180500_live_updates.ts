import { Migration } from '@mikro-orm/migrations';

/**
 * Live updates (GraphQL subscriptions). Triggers NOTIFY in the transaction that changes a job's
 * state or appends to its output, so every writer (API, workers, the reconciler) is heard and a
 * rolled-back change is not; each API process LISTENs (db/change-notifications.ts). The output
 * lines of running jobs are kept so a late subscriber gets the lines so far.
 */
export class Migration20261201180500LiveUpdates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "job_output_lines" ("id" bigserial primary key, "job_id" uuid not null, "stream" text check ("stream" in ('STDOUT', 'STDERR')) not null, "text" text not null, "at" timestamptz not null default now());`);
    this.addSql(`alter table "job_output_lines" add constraint "job_output_lines_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on update cascade on delete cascade;`);
    this.addSql(`create index "job_output_lines_job_id_id_index" on "job_output_lines" ("job_id", "id");`);
    this.addSql(`create function "steward_notify_job_state"() returns trigger language plpgsql as $$
begin
  perform pg_notify('steward_job_state', json_build_object(
    'id', new.id, 'state', new.state, 'type', new.type, 'recordId', new.record_id, 'taskId', new.task_id,
    'systemId', new.system_id, 'clientTaskId', new.client_task_id, 'runId', new.run_id, 'nodeName', new.node_name,
    'createdAt', new.created_at, 'changedAt', clock_timestamp())::text);
  return null;
end $$;`);
    this.addSql(`create trigger "jobs_state_inserted" after insert on "jobs" for each row execute function "steward_notify_job_state"();`);
    this.addSql(`create trigger "jobs_state_changed" after update of "state" on "jobs" for each row when (old.state is distinct from new.state) execute function "steward_notify_job_state"();`);
    // One notification per job and transaction: PostgreSQL folds identical payloads sent in one transaction.
    this.addSql(`create function "steward_notify_job_output"() returns trigger language plpgsql as $$
begin
  perform pg_notify('steward_job_output', new.job_id::text);
  return null;
end $$;`);
    this.addSql(`create trigger "job_output_lines_inserted" after insert on "job_output_lines" for each row execute function "steward_notify_job_output"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger "jobs_state_changed" on "jobs";`);
    this.addSql(`drop trigger "jobs_state_inserted" on "jobs";`);
    this.addSql(`drop function "steward_notify_job_state"();`);
    this.addSql(`drop table "job_output_lines";`);
    this.addSql(`drop function "steward_notify_job_output"();`);
  }
}
