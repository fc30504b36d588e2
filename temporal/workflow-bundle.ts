/**
 * The workflow bundle, built once instead of at every worker start (bundling is most of a
 * worker's start-up). `npm run build` writes it beside the compiled code; the tests write one
 * beside the sources. Its file name holds a hash of the sources it was built from, so a worker
 * uses it only for the workflow code it runs, and bundles at start otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { logger } from '../infra/logger';
import { FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH } from './data-converter';
import { PinoTemporalLogger } from './runtime';

const WORKFLOWS_PATH = require.resolve('../workflows');
const COMPILED = __filename.endsWith('.js');
/** dist/ for compiled code (it ships in the Docker image, which cannot write), .data/ under ts-node; both git-ignored. */
const BUNDLE_DIR = COMPILED ? path.resolve(__dirname, '..') : path.resolve(__dirname, '..', '.data');
const BUNDLE_NAME = /^workflow-bundle-[0-9a-f]{16}\.js$/;
const STALE_BUNDLE_AGE_MS = 24 * 3600_000;

/** A hash of what the bundle is built from: the workflows, what they import from lib/, the failure and payload converters and the SDK version. */
function workflowSourcesHash(): string {
  const hash = createHash('sha256');
  const workflowsDir = path.dirname(WORKFLOWS_PATH);
  const extension = path.extname(WORKFLOWS_PATH);
  const files = [
    ...readdirSync(workflowsDir)
      .filter((name) => name.endsWith(extension))
      .sort()
      .map((name) => path.join(workflowsDir, name)),
    require.resolve('../lib/enums'),
    require.resolve('../lib/nodes'),
    FAILURE_CONVERTER_PATH,
    PAYLOAD_CONVERTER_PATH,
    require.resolve('@temporalio/workflow/package.json'),
  ];
  for (const file of files) hash.update(path.basename(file)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

function bundlePath(): string {
  return path.join(BUNDLE_DIR, `workflow-bundle-${workflowSourcesHash()}.js`);
}

/** The prebuilt bundle of the workflow sources this process runs, or null when there is none. */
export function prebuiltWorkflowBundle(): { codePath: string } | null {
  const codePath = bundlePath();
  return existsSync(codePath) ? { codePath } : null;
}

/**
 * Builds the bundle unless one of the current sources is there, and removes bundles of other
 * sources after a day (a test run still going may be using one). Written to a temporary file and renamed, so a worker never reads half of one.
 */
export async function ensureWorkflowBundle(): Promise<{ codePath: string; built: boolean }> {
  const codePath = bundlePath();
  if (existsSync(codePath)) return { codePath, built: false };
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    payloadConverterPath: PAYLOAD_CONVERTER_PATH,
    logger: new PinoTemporalLogger(logger) });
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const partial = `${codePath}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, codePath);
  for (const name of readdirSync(BUNDLE_DIR)) {
    const file = path.join(BUNDLE_DIR, name);
    if (BUNDLE_NAME.test(name) && file !== codePath && Date.now() - statSync(file).mtimeMs > STALE_BUNDLE_AGE_MS) rmSync(file, { force: true });
  }
  return { codePath, built: true };
}
