/** Settings global setup publishes to every test file through the environment. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestEnvironment {
  databaseUrl: string;
  /** The Temporal namespace of this jest worker: workers side by side never see each other's workflows. */
  temporalNamespace: string;
  temporalAddress: string;
  sshdHost: string;
  sshdPort: number;
  sshdFingerprint: string;
  sshdLogFile: string;
  workflowBundlePath: string;
  temporalCli: string;
}

/** What each jest worker gets of its own: test files in one worker run one after another, and share these. */
export type WorkerSlot = Pick<TestEnvironment, 'databaseUrl' | 'temporalNamespace'>;

interface PublishedEnvironment extends Omit<TestEnvironment, keyof WorkerSlot> {
  slots: WorkerSlot[];
}

const KEY = 'STEWARD_TEST_ENV';

export function publishTestEnvironment(env: PublishedEnvironment): void {
  process.env[KEY] = JSON.stringify(env);
  process.env.STEWARD_MASTER_KEY = TEST_MASTER_KEY;
}

/** The run's shared services, with the database and namespace of the calling jest worker. */
export function testEnvironment(): TestEnvironment {
  const raw = process.env[KEY];
  if (!raw) throw new Error('the integration test environment is missing: run the tests through jest (npm test)');
  const { slots, ...shared } = JSON.parse(raw) as PublishedEnvironment;
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const slot = slots[(worker - 1) % slots.length]!;
  return { ...shared, ...slot };
}
