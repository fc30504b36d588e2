import { administrators, input, type Row } from './expectations';
import { testEnvironment } from '../test-env';

export const HOST_KEY_MUTATION_ROWS: Record<string, Row> = {
  // A scan reaches out from the server to a host of the caller's choosing: administrators only.
  scanHostKey: input(administrators, () => ({ host: testEnvironment().sshdHost, port: testEnvironment().sshdPort })),
};
