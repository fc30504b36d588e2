/**
 * Benchmark of importRecords (services/vault/record-import.ts): 10,000 and then 100,000 CSV rows,
 * each a record of a type with a recurring task, so every row also gets its first occurrence (a
 * Scheduled job, its first event and its start command), as createRecord would give it.
 *
 * A scratch database and a Temporal dev server of its own; the import runs through the services
 * with the same row checks as the API (CreateRecordInput's, then the service's). It prints the
 * time of the dry run (the checks alone) and of the import, in rows per second. No assertions.
 *
 *   npm run bench:record-import [-- --rows 10000,100000]
 */
import 'reflect-metadata';
import { withScratchEngine } from './harness/scratch-engine';
import { randomBytes } from 'node:crypto';
import { createRecordInputProblems } from '../api/inputs/record-import-inputs';
import { openDatabase } from '../db/database';
import { PolicyEvent, Role, ScriptKey } from '../lib/enums';
import { createServices } from '../services';
import { SYSTEM_ACTOR } from '../services/shared/audit';
import { RecordImportFormat } from '../services/vault/record-import';
import { temporalPorts } from '../temporal/ports';

const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;

function rowCounts(): number[] {
  const at = process.argv.indexOf('--rows');
  const counts = (at >= 0 ? process.argv[at + 1]! : '10000,100000').split(',').map(Number);
  if (counts.some((count) => !Number.isInteger(count) || count < 1)) throw new Error('--rows takes whole numbers, comma-separated');
  return counts;
}

/** `rows` records on made-up hosts (never reached: their first occurrence is hours away at least), named `<batch>-<n>`. */
export function csv(rows: number, batch: string): string {
  const lines = ['name,host,port,username,password,hostKeyFingerprint,timeZone'];
  for (let n = 0; n < rows; n++) lines.push(`${batch}-${n},host-${n}.example.com,22,svc,${randomBytes(18).toString('base64url')},${FINGERPRINT},Europe/Berlin`);
  return lines.join('\n');
}

/** A password rotation every `intervalDays` days at 03:00 from tomorrow, as a record type's task (for the services and, as JSON, for GraphQL). */
export function rotationTask(intervalDays: number) {
  return {
    name: 'Rotate password',
    script: ScriptKey.PASSWORD_RESET_REMOTE_UNIX,
    policyEvents: [PolicyEvent.ON_DEMAND, PolicyEvent.EVERY_N_DAYS],
    executionNode: 'local',
    schedule: { timeOfDay: '03:00', intervalDays, anchorDate: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) },
  };
}

const perSecond = (rows: number, ms: number) => `${(ms / 1000).toFixed(1)} s, ${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;

async function main(): Promise<void> {
  await withScratchEngine('record_import', async ({ client, databaseUrl, masterKey }) => {
    const orm = await openDatabase(databaseUrl);
    try {
      const ports = temporalPorts(client, masterKey);
      const setup = createServices(orm.em.fork(), ports);
      const admin = await setup.auth.createUser(SYSTEM_ACTOR, 'bench-admin', randomBytes(18).toString('base64url'), [Role.SYSTEM_ADMINISTRATOR]);
      const recordType = await setup.records.createRecordType(SYSTEM_ACTOR, {
        name: 'bench',
        tasks: [rotationTask(30)],
      });
      for (const rows of rowCounts()) {
        const content = csv(rows, `bench-${rows}`);
        const request = { format: RecordImportFormat.CSV, content, recordTypeId: recordType.id };
        let started = performance.now();
        const checked = await createServices(orm.em.fork(), ports).recordImport.importRecords(admin, { ...request, dryRun: true }, createRecordInputProblems);
        const dryRunMs = performance.now() - started;
        started = performance.now();
        const imported = await createServices(orm.em.fork(), ports).recordImport.importRecords(admin, request, createRecordInputProblems);
        const importMs = performance.now() - started;
        if (checked.created !== rows || imported.created !== rows) throw new Error(`expected ${rows} records, got ${JSON.stringify(imported.errors.slice(0, 3))}`);
        console.log(`${rows.toLocaleString('en-US')} rows (${(content.length / 1e6).toFixed(1)} MB of CSV): dry run ${perSecond(rows, dryRunMs)}; import ${perSecond(rows, importMs)}`);
      }
    } finally {
      await orm.close();
    }
  });
}

// Run as a script; bench/p3-record-scheduling.ts imports its rows and task from here.
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
