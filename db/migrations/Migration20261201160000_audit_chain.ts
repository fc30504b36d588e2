import { Migration } from '@mikro-orm/migrations';

const GENESIS_HASH = '0'.repeat(64);

/**
 * The audit log's filters and tamper evidence. Each entry gets a `sequence` and a `hash`: sha256
 * over the entry's canonical JSON (PostgreSQL's jsonb text, whose key order and spacing are fixed)
 * with its sequence and the previous entry's hash. One SQL function, `audit_event_digest`, is
 * both what writes and what verifies, so the two cannot drift apart.
 *
 * The chain is appended at commit, by a deferred constraint trigger that locks the one row of
 * `audit_chain_head`: the lock is held only while the committing transaction seals its own
 * entries, after all its other work, so it cannot take part in a deadlock and the hot paths
 * queue only for the few microseconds of the seal. Rolled-back entries never enter the chain.
 * Updates stay refused except that seal; deletes and truncation stay refused.
 */
export class Migration20261201160000AuditChain extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop trigger "audit_events_no_update_or_delete" on "audit_events";`);
    this.addSql(`alter table "audit_events" drop constraint if exists "audit_events_outcome_check";`);
    this.addSql(`alter table "audit_events" add constraint "audit_events_outcome_check" check ("outcome" in ('SUCCESS', 'FAILURE', 'REFUSED', 'INVALID', 'CONFLICT', 'NOT_FOUND'));`);
    this.addSql(`alter table "audit_events" add column "sequence" bigint null, add column "previous_hash" varchar(64) null, add column "hash" varchar(64) null;`);
    this.addSql(`create table "audit_chain_head" ("id" int not null check ("id" = 1), "last_sequence" bigint not null, "last_hash" varchar(64) not null, constraint "audit_chain_head_pkey" primary key ("id"));`);
    this.addSql(`insert into "audit_chain_head" ("id", "last_sequence", "last_hash") values (1, 0, '${GENESIS_HASH}');`);
    this.addSql(`create function "audit_event_digest"(entry "audit_events", entry_sequence bigint, previous_hash text) returns text language sql stable as $$
      select encode(sha256(convert_to(jsonb_build_object(
        'sequence', entry_sequence, 'previousHash', previous_hash, 'id', entry.id,
        'createdAt', to_char(entry.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'actorId', entry.actor_id, 'actorName', entry.actor_name, 'action', entry.action,
        'targetType', entry.target_type, 'targetId', entry.target_id, 'outcome', entry.outcome, 'details', entry.details
      )::text, 'UTF8')), 'hex') $$;`);
    this.addSql(`create function "audit_events_seal"(entry "audit_events") returns void language plpgsql as $$
      declare head record; digest text;
      begin
        select "last_sequence", "last_hash" into head from "audit_chain_head" where "id" = 1 for update;
        digest := audit_event_digest(entry, head.last_sequence + 1, head.last_hash);
        update "audit_events" set "sequence" = head.last_sequence + 1, "previous_hash" = head.last_hash, "hash" = digest where "id" = entry.id;
        update "audit_chain_head" set "last_sequence" = head.last_sequence + 1, "last_hash" = digest where "id" = 1;
      end $$;`);
    this.addSql(`do $$ declare entry "audit_events"; begin
      for entry in select * from "audit_events" order by "created_at", "id" loop perform audit_events_seal(entry); end loop;
    end $$;`);
    this.addSql(`create function "audit_events_chain"() returns trigger language plpgsql as $$ begin perform audit_events_seal(NEW); return null; end $$;`);
    this.addSql(`create constraint trigger "audit_events_chain_on_commit" after insert on "audit_events" deferrable initially deferred for each row execute function "audit_events_chain"();`);
    this.addSql(`create function "audit_events_seal_only"() returns trigger language plpgsql as $$ begin
      if OLD."hash" is null and pg_trigger_depth() > 1
         and (NEW."id", NEW."created_at", NEW."actor_id", NEW."actor_name", NEW."action", NEW."target_type", NEW."target_id", NEW."outcome", NEW."details")
             is not distinct from (OLD."id", OLD."created_at", OLD."actor_id", OLD."actor_name", OLD."action", OLD."target_type", OLD."target_id", OLD."outcome", OLD."details")
      then return NEW; end if;
      raise exception 'the audit log is append-only';
    end $$;`);
    this.addSql(`create trigger "audit_events_seal_only" before update on "audit_events" for each row execute function "audit_events_seal_only"();`);
    this.addSql(`create trigger "audit_events_no_delete" before delete or truncate on "audit_events" for each statement execute function "audit_events_append_only"();`);
    this.addSql(`create unique index "audit_events_sequence_unique" on "audit_events" ("sequence");`);
    this.addSql(`drop index "audit_events_action_index";`);
    this.addSql(`create index "audit_events_action_created_at_id_index" on "audit_events" ("action", "created_at", "id");`);
    this.addSql(`create index "audit_events_actor_name_created_at_id_index" on "audit_events" ("actor_name", "created_at", "id");`);
    this.addSql(`create index "audit_events_target_type_created_at_id_index" on "audit_events" ("target_type", "created_at", "id");`);
    this.addSql(`create index "audit_events_target_id_created_at_id_index" on "audit_events" ("target_id", "created_at", "id");`);
    this.addSql(`create index "audit_events_outcome_created_at_id_index" on "audit_events" ("outcome", "created_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "audit_events_outcome_created_at_id_index", "audit_events_target_id_created_at_id_index", "audit_events_target_type_created_at_id_index", "audit_events_actor_name_created_at_id_index", "audit_events_action_created_at_id_index", "audit_events_sequence_unique";`);
    this.addSql(`create index "audit_events_action_index" on "audit_events" ("action");`);
    this.addSql(`drop trigger "audit_events_no_delete" on "audit_events";`);
    this.addSql(`drop trigger "audit_events_seal_only" on "audit_events";`);
    this.addSql(`drop trigger "audit_events_chain_on_commit" on "audit_events";`);
    this.addSql(`drop function "audit_events_seal_only"(), "audit_events_chain"(), "audit_events_seal"("audit_events"), "audit_event_digest"("audit_events", bigint, text);`);
    this.addSql(`drop table "audit_chain_head";`);
    this.addSql(`alter table "audit_events" drop column "sequence", drop column "previous_hash", drop column "hash";`);
    this.addSql(`create trigger "audit_events_no_update_or_delete" before update or delete or truncate on "audit_events" for each statement execute function "audit_events_append_only"();`);
  }
}
