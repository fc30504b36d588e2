/**
 * Looks for secrets where they must never be: Temporal histories (as stored, and decoded through
 * the codec), process command lines, database rows, logs and API answers. A secret is searched
 * for in every form a careless encoder could leave it in.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';

/** Shorter strings turn up by chance in ciphertext and random IDs, so the scan refuses them. */
const MIN_SECRET_LENGTH = 8;

export interface NamedSecret {
  /** What it is and where it comes from, e.g. "new password of the cancelled rotation (job …)". */
  name: string;
  value: string;
}

/** Some text to search, and where it came from, e.g. "decoded Temporal history of job-…". */
export interface Haystack {
  place: string;
  text: string;
}

export interface Finding {
  secret: string;
  form: string;
  place: string;
  /** The text around the find, on one line, the secret itself replaced by «secret». */
  context: string;
}

/**
 * The parts of base64 that depend only on the secret, for each of the three ways it can sit
 * within 3-byte groups (it may be in the middle of a longer encoded value).
 */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    return encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
  });
}

/** Every form of the secret searched for, by name. */
export function secretForms(value: string): { form: string; text: string }[] {
  if (value.length < MIN_SECRET_LENGTH) throw new Error(`a secret shorter than ${MIN_SECRET_LENGTH} characters cannot be told from noise`);
  const hex = Buffer.from(value, 'utf8').toString('hex');
  const jsonEscaped = JSON.stringify(value).slice(1, -1);
  const forms = [
    { form: 'plain', text: value },
    { form: 'JSON-escaped', text: jsonEscaped },
    { form: 'JSON-escaped twice', text: JSON.stringify(jsonEscaped).slice(1, -1) },
    { form: 'URL-encoded', text: encodeURIComponent(value) },
    { form: 'hex', text: hex },
    { form: 'HEX', text: hex.toUpperCase() },
    ...base64Cores(value).flatMap((core, offset) => [
      { form: `base64 (offset ${offset})`, text: core },
      { form: `base64url (offset ${offset})`, text: core.replace(/\+/g, '-').replace(/\//g, '_') },
    ]),
  ];
  return forms.filter((candidate, index) => forms.findIndex((other) => other.text === candidate.text) === index);
}

/** Every secret, in every form, in every haystack. */
export function findSecrets(secrets: readonly NamedSecret[], haystacks: readonly Haystack[]): Finding[] {
  const findings: Finding[] = [];
  for (const secret of secrets) {
    for (const { form, text } of secretForms(secret.value)) {
      for (const haystack of haystacks) {
        const at = haystack.text.indexOf(text);
        if (at < 0) continue;
        const context = JSON.stringify(haystack.text.slice(Math.max(0, at - 80), at + text.length + 80).split(text).join('«secret»'));
        findings.push({ secret: secret.name, form, place: haystack.place, context });
      }
    }
  }
  return findings;
}

/** Fails, naming each secret, the form it was in and the place, when any secret is found. */
export function expectNoSecrets(secrets: readonly NamedSecret[], haystacks: readonly Haystack[]): void {
  const findings = findSecrets(secrets, haystacks);
  if (findings.length === 0) return;
  const lines = findings.map((found) => `- ${found.secret} (${found.form}) in ${found.place}: ${found.context}`);
  throw new Error(`${findings.length} secret(s) leaked:\n${lines.join('\n')}`);
}

function isPayload(node: Record<string, unknown>): node is Payload & Record<string, unknown> {
  const metadata = node.metadata as Record<string, unknown> | undefined;
  return !!metadata && typeof metadata === 'object' && 'encoding' in metadata;
}

/** Every Payload anywhere in a history: inputs, results, failures' encoded attributes, headers, memos, search attributes. */
function payloadsIn(node: unknown, found: Payload[] = []): Payload[] {
  if (!node || typeof node !== 'object' || ArrayBuffer.isView(node)) return found;
  if (Array.isArray(node)) {
    for (const child of node) payloadsIn(child, found);
    return found;
  }
  const object = node as Record<string, unknown>;
  if (isPayload(object)) found.push(object);
  else for (const child of Object.values(object)) payloadsIn(child, found);
  return found;
}

export interface ScannedHistory {
  /** The history as stored: JSON (payloads still base64 and encrypted), and the protobuf bytes. */
  stored: Haystack[];
  /** Every payload's contents after the codec, one haystack for the whole history. */
  decoded: Haystack;
  payloadCount: number;
  /** Workflows this one signalled (a job's account lock). */
  signalled: string[];
}

/** Fetches a workflow's whole history (every run of its ID, as Temporal stores it) and decodes every payload in it through the codec. */
export async function scanHistory(client: Client, codec: PayloadCodec, workflowId: string, label = workflowId): Promise<ScannedHistory> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({ namespace: client.options.namespace, execution: { workflowId }, nextPageToken });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  const history = { events };
  const payloads = payloadsIn(events);
  const decoded = await codec.decode(payloads);
  const signalled = events.flatMap((event) => event.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId ?? []);
  return {
    stored: [
      { place: `the stored Temporal history of ${label} (JSON)`, text: historyToJSON(history) },
      { place: `the stored Temporal history of ${label} (protobuf)`, text: Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1') },
    ],
    decoded: {
      place: `the decoded Temporal history of ${label}`,
      text: decoded.map((payload) => Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish()).toString('utf8')).join('\n'),
    },
    payloadCount: payloads.length,
    signalled: [...new Set(signalled)],
  };
}

/** Every row of every table in the public schema, as JSON text (bytea as hex), one haystack per table. */
export async function dumpDatabase(em: EntityManager): Promise<Haystack[]> {
  const connection = em.getConnection();
  const tables = await connection.execute<{ table_name: string }[]>(
    "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name",
  );
  const dumps: Haystack[] = [];
  for (const { table_name: table } of tables) {
    const rows = await connection.execute<{ row: string }[]>(`select row_to_json(t)::text as row from "${table}" t`);
    dumps.push({ place: `table ${table}`, text: rows.map((row) => row.row).join('\n') });
  }
  return dumps;
}

/**
 * Reads every process's command line on this machine (/proc/<pid>/cmdline, what `ps -eo args`
 * shows) over and over, from start() to stop(), keeping each distinct one it sees.
 */
export class CommandLineSampler {
  private readonly seen = new Set<string>();
  private running: Promise<void> | null = null;
  private stopping = false;
  samples = 0;

  start(intervalMs = 20): void {
    if (this.running) return;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        await this.sampleOnce();
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = null;
  }

  /** Whether some command line seen so far matches. */
  saw(pattern: RegExp): boolean {
    return [...this.seen].some((line) => pattern.test(line));
  }

  haystack(): Haystack {
    return { place: `the command line of a process on this machine (${this.seen.size} distinct in ${this.samples} samples)`, text: [...this.seen].join('\n') };
  }

  private async sampleOnce(): Promise<void> {
    const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
    const lines = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/cmdline`).catch(() => null)));
    for (const line of lines) if (line?.length) this.seen.add(line.toString('utf8').replace(/\0+$/, '').replace(/\0/g, ' '));
    this.samples++;
  }
}
