import { settingsEnvironment } from '../environment';
import type { EndpointDriver } from './driver';

const MAX_SUMMARY = 500;

/**
 * A checked-in product's task type: its command runs through the launcher with each setting as
 * STEWARD_<NAME> (camelCase becomes UPPER_SNAKE). The command must end its output with
 * "STEWARD-REPORT <json object>"; a "summary" string in it becomes the job's one-line result.
 */
export const runProductCommand: EndpointDriver = async ({ session, taskType, settings }) => {
  const report = await session.runScript(`Running ${taskType.name}`, taskType.command ?? '', settingsEnvironment(settings));
  const summary = typeof report.summary === 'string' && report.summary.trim() ? report.summary.trim().slice(0, MAX_SUMMARY) : `${taskType.name} finished`;
  return { summary, report };
};
