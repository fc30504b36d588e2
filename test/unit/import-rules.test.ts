import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

/**
 * The import-direction and workflow-sandbox rules in eslint.config.js, exercised by planting code
 * at virtual paths. The planted files are not in the tsconfig project, so typed linting is switched
 * off for them; the rules under test need no type information.
 */
const repoRoot = path.resolve(__dirname, '..', '..');
// ESLint loads eslint.config.js with import(), which jest's module sandbox does not support; hand it over instead.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config: Linter.Config[] = require(path.join(repoRoot, 'eslint.config.js'));
const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfigFile: true,
  overrideConfig: [...config, tseslint.configs.disableTypeChecked as Linter.Config],
});

const RULES = new Set([
  '@typescript-eslint/no-restricted-imports',
  'no-restricted-globals',
  'no-restricted-properties',
  'no-restricted-syntax',
]);

/** The rule ids of the findings on line 1, after checking the planted code parsed. */
async function findings(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: path.join(repoRoot, filePath) });
  expect(result.fatalErrorCount).toBe(0);
  return result.messages.filter((m) => m.ruleId && RULES.has(m.ruleId) && m.line === 1).map((m) => m.ruleId!);
}

const IMPORTS = '@typescript-eslint/no-restricted-imports';

describe('wrong-way imports are reported', () => {
  const cases: Array<[file: string, code: string]> = [
    // lib/ imports nothing outside lib/.
    ['lib/planted.ts', "import { NotFoundError } from '../services/shared/errors';"],
    ['lib/planted.ts', "import { loadConfig } from '../infra/config';"],
    ['lib/planted.ts', "import { Job } from '../db/entities';"],
    ['lib/planted.ts', "export { version } from '../package.json';"],
    // db/ sits below services/ and the engine.
    ...['services/jobs/job-service', 'api/context', 'temporal/worker', 'workflows', 'activities'].map(
      (target): [string, string] => ['db/entities/planted.ts', `import { x } from '../../${target}';`],
    ),
    ['db/planted.ts', "import { createServices } from '../services';"],
    // services/ reaches the engine only through services/ports.ts.
    ...['api/context', 'temporal/temporal-job-launcher', 'workflows', 'activities'].map(
      (target): [string, string] => ['services/vault/planted.ts', `import { x } from '../../${target}';`],
    ),
    ['services/client-tasks/endpoint/drivers/planted.ts', "import { x } from '../../../../api/context';"],
    ['services/planted.ts', "import { x } from '../temporal/worker';"],
    // infra/ sits below services/.
    ...['api/context', 'temporal/worker', 'workflows', 'activities', 'services/shared/errors'].map(
      (target): [string, string] => ['infra/planted.ts', `import { x } from '../${target}';`],
    ),
    // Workflows: only workflows/, the sandbox-safe lib/ modules, types from activities/, and the Temporal workflow SDK.
    ['workflows/planted.ts', "import { createActivities } from '../activities';"],
    ['workflows/planted.ts', "import { type Activities, createActivities } from '../activities';"],
    ['workflows/planted.ts', "import { createClientJobActivities } from '../activities/client-job-activities';"],
    ['workflows/planted.ts', "import { JobService } from '../services/jobs/job-service';"],
    ['workflows/planted.ts', "import type { JobService } from '../services/jobs/job-service';"],
    ['workflows/planted.ts', "import { Job } from '../db/entities';"],
    ['workflows/planted.ts', "import { loadConfig } from '../infra/config';"],
    ['workflows/planted.ts', "import { seal } from '../lib/secret-box';"],
    ['workflows/planted.ts', "import { nextDue } from '../lib/occurrences';"],
    ['workflows/planted.ts', "import { randomUUID } from 'node:crypto';"],
    ['workflows/planted.ts', "import fs from 'fs';"],
    ['workflows/planted.ts', "import { Client } from '@temporalio/client';"],
    ['workflows/planted.ts', "import { CronExpressionParser } from 'cron-parser';"],
    // The lib/ modules workflows load are held to the sandbox too, and may import only each other.
    ['lib/enums.ts', "import { randomUUID } from 'node:crypto';"],
    ['lib/nodes.ts', "import { CronExpressionParser } from 'cron-parser';"],
    ['lib/enums.ts', "import { nextDue } from './occurrences';"],
  ];

  it.each(cases)('%s: %s', async (file, code) => {
    expect(await findings(file, code)).toContain(IMPORTS);
  });

  it.each([
    ['workflows/planted.ts', 'export const home = process.env.HOME;', 'no-restricted-globals'],
    ['lib/planted.ts', 'export const home = process.env.HOME;', 'no-restricted-globals'],
    ['lib/planted.ts', 'export const now = () => Date.now();', 'no-restricted-properties'],
    ['lib/planted.ts', 'export const roll = () => Math.random();', 'no-restricted-properties'],
    ['lib/planted.ts', 'export const now = () => new Date();', 'no-restricted-syntax'],
  ])('%s: %s', async (file, code, rule) => {
    expect(await findings(file, code)).toContain(rule);
  });
});

describe('right-way imports are allowed', () => {
  const cases: Array<[file: string, code: string]> = [
    ['lib/planted.ts', "import { JobState } from './enums';"],
    ['lib/planted.ts', "import { CronExpressionParser } from 'cron-parser';"],
    // Only the lib/ modules workflows load are held to the sandbox.
    ['lib/planted.ts', "import { randomBytes } from 'node:crypto';"],
    ['lib/planted.ts', 'export const at = (ms: number) => new Date(ms);'],
    ['lib/nodes.ts', "import { JobState } from './enums';"],
    ['db/entities/planted.ts', "import { JobState } from '../../lib/enums';"],
    ['db/entities/planted.ts', "import { BaseEntity } from './base';"],
    ['services/vault/planted.ts', "import { JobState } from '../../lib/enums';"],
    ['services/vault/planted.ts', "import { NotFoundError } from '../shared/errors';"],
    ['services/vault/planted.ts', "import type { JobLauncher } from '../ports';"],
    ['services/vault/planted.ts', "import { Job } from '../../db/entities';"],
    ['services/vault/planted.ts', "import { runOverSsh } from '../../infra/ssh';"],
    ['services/planted.ts', "import { JobService } from './jobs/job-service';"],
    ['infra/planted.ts', "import { LOCAL_NODE } from '../lib/nodes';"],
    ['infra/planted.ts', "import { NodeSSH } from 'node-ssh';"],
    ['workflows/planted.ts', "import type { Activities } from '../activities';"],
    ['workflows/planted.ts', "import { type Activities, type JobPlan } from '../activities';"],
    ['workflows/planted.ts', "export type { Activities } from '../activities';"],
    ['workflows/planted.ts', "import { JobState } from '../lib/enums';"],
    ['workflows/planted.ts', "import { LOCAL_NODE } from '../lib/nodes';"],
    ['workflows/planted.ts', "import { enterState } from './job-state';"],
    ['workflows/planted.ts', "import { proxyActivities } from '@temporalio/workflow';"],
    ['workflows/planted.ts', "import { defineSearchAttributeKey } from '@temporalio/common';"],
    // Temporal's sandbox replays the clock and randomness, so workflows may use them.
    ['workflows/planted.ts', 'export const now = () => Date.now();'],
    // The composition layers may import the domain and the engine.
    ['api/planted.ts', "import { JobService } from '../services/jobs/job-service';"],
    ['temporal/planted.ts', "import { createActivities } from '../activities';"],
    ['activities/planted.ts', "import { JobService } from '../services/jobs/job-service';"],
  ];

  it.each(cases)('%s: %s', async (file, code) => {
    expect(await findings(file, code)).toEqual([]);
  });
});
