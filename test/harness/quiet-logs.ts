/**
 * In the jest process, the API and in-process workers of the tests log only warnings and errors
 * (STEWARD_TEST_LOG_LEVEL to see more). The level is set on this test file's logger, not in the
 * environment, so processes the tests start (scripts/worker.ts, scripts/api.ts) still log at info.
 */
import { logger } from '../../infra/logger';

logger.level = process.env.STEWARD_TEST_LOG_LEVEL ?? 'warn';
