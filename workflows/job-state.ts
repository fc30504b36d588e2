import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { JobState } from '../lib/enums';
import { JOB_STATE } from './search-attributes';

/** What a job's workflow says of itself in the Temporal UI: its state as a search attribute, and what it is doing now. */
export function enterState(state: JobState, details: string): void {
  upsertSearchAttributes([{ key: JOB_STATE, value: state }]);
  setCurrentDetails(details);
}

/** The message of an activity failure (its cause), for the job's one-line result. */
export function failureMessage(error: unknown): string {
  const failure = error as { cause?: { message?: string }; message?: string };
  return failure.cause?.message ?? failure.message ?? 'Failed';
}
