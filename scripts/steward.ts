/**
 * `steward`, the operator command: `npx steward <command>` in a checkout (bin/steward.js),
 * `node dist/scripts/steward.js <command>` in the Docker image. See docs/operator-commands.md.
 */
import 'reflect-metadata';
import { adminResetPassword } from './steward/admin-reset-password';
import { type StewardCommand, UsageError } from './steward/command';
import { doctor } from './steward/doctor';
import { masterKeyRotate } from './steward/master-key-rotate';
import { nodeKey } from './steward/node-key';

const COMMANDS: StewardCommand[] = [adminResetPassword, masterKeyRotate, nodeKey, doctor];

function usage(commands: StewardCommand[]): string {
  return ['usage:', ...commands.map((command) => `  steward ${[...command.words, command.usage].filter(Boolean).join(' ')}\n      ${command.summary}`)].join('\n');
}

/** node:util parseArgs refuses unknown options and missing values with these codes. */
function isArgumentError(error: unknown): boolean {
  return error instanceof UsageError || /^ERR_PARSE_ARGS_/.test(String((error as { code?: unknown }).code));
}

async function main(argv: string[]): Promise<number> {
  const command = COMMANDS.find((candidate) => candidate.words.every((word, index) => argv[index] === word));
  if (!command) {
    console.error(usage(COMMANDS));
    return 2;
  }
  try {
    return await command.run(argv.slice(command.words.length));
  } catch (error) {
    if (!isArgumentError(error)) throw error;
    console.error(`${(error as Error).message}\n${usage([command])}`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
