/** `npm run build` (after tsc): bundles the workflows once, so workers start without bundling. */
import { logger } from '../infra/logger';
import { ensureWorkflowBundle } from '../temporal/workflow-bundle';

ensureWorkflowBundle().then(
  ({ codePath, built }) => logger.info({ codePath }, built ? 'bundled the workflows' : 'the workflow bundle is current'),
  (error: unknown) => {
    logger.fatal({ err: error }, 'bundling the workflows failed');
    process.exit(1);
  },
);
