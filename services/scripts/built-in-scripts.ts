import { ScriptKey } from '../../lib/enums';

/** The built-ins' rows in the Script Library, seeded with these IDs by the script library migration. */
export const BUILT_IN_SCRIPT_IDS: Record<ScriptKey, string> = {
  [ScriptKey.PASSWORD_RESET_REMOTE_UNIX]: '5c1b0000-0000-4000-8000-000000000001',
  [ScriptKey.PASSWORD_RESET_REMOTE_WINDOWS]: '5c1b0000-0000-4000-8000-000000000002',
  [ScriptKey.VERIFY_PASSWORD]: '5c1b0000-0000-4000-8000-000000000003',
  [ScriptKey.CUSTOM_COMMAND]: '5c1b0000-0000-4000-8000-000000000004',
};
