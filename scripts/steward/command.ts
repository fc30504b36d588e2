/** One `steward` subcommand (scripts/steward.ts dispatches to it). */
export interface StewardCommand {
  /** The words that name it: `['master-key', 'rotate']`. */
  words: string[];
  /** Its arguments, for the usage line. */
  usage: string;
  summary: string;
  /** Resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/** Arguments the command cannot work with: it prints the usage and exits with 2. */
export class UsageError extends Error {}
