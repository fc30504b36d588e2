/** Settings global setup publishes to every test file through the environment. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestEnvironment {
  databaseUrl: string;
  temporalAddress: string;
  sshdHost: string;
  sshdPort: number;
  sshdFingerprint: string;
  sshdLogFile: string;
  workflowBundlePath: string;
  temporalCli: string;
}

const KEY = 'STEWARD_TEST_ENV';

export function publishTestEnvironment(env: TestEnvironment): void {
  process.env[KEY] = JSON.stringify(env);
  process.env.STEWARD_MASTER_KEY = TEST_MASTER_KEY;
}

export function testEnvironment(): TestEnvironment {
  const raw = process.env[KEY];
  if (!raw) throw new Error('the integration test environment is missing: run the tests through jest (npm test)');
  return JSON.parse(raw) as TestEnvironment;
}
