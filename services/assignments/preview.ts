import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientTaskAssignment } from '../../db/entities';
import { previewAssignmentFires } from '../../lib/assignment-occurrences';
import { TimeBasis } from '../../lib/enums';
import { assertTimeZone, OccurrenceRuleError } from '../../lib/occurrences';
import { timeZonesInScope } from './scope';
import { BadInputError } from '../shared/errors';

export const MAX_PREVIEW_RUNS = 100;
export const MAX_PREVIEW_TIME_ZONES = 50;

/** The next fire times of an assignment in one time zone. */
export interface RunsInZone {
  timeZone: string;
  runs: Date[];
}

/**
 * The next `count` fire times of an assignment after `now`, per time zone: the distinct zones given,
 * or else those of the systems it reaches now ('UTC' when it reaches none, or runs on UTC time).
 */
export async function previewAssignmentRuns(em: EntityManager, assignment: ClientTaskAssignment, count: number, timeZones: string[] | null, now: Date): Promise<RunsInZone[]> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW_RUNS) throw new BadInputError(`count must be a whole number from 1 to ${MAX_PREVIEW_RUNS}`, 'count');
  const zones = timeZones ? requestedZones(timeZones) : await zonesInScope(em, assignment);
  return zones.map((timeZone) => ({ timeZone, runs: previewAssignmentFires(assignment.schedule, now, timeZone, count) }));
}

function requestedZones(timeZones: string[]): string[] {
  const zones = [...new Set(timeZones)];
  if (zones.length < 1 || zones.length > MAX_PREVIEW_TIME_ZONES) throw new BadInputError(`Name from 1 to ${MAX_PREVIEW_TIME_ZONES} time zones, or leave timeZones out`, 'timeZones');
  for (const zone of zones) {
    try {
      assertTimeZone(zone, 'timeZones');
    } catch (error) {
      if (error instanceof OccurrenceRuleError) throw new BadInputError(error.message, error.field);
      throw error;
    }
  }
  return zones;
}

async function zonesInScope(em: EntityManager, assignment: ClientTaskAssignment): Promise<string[]> {
  if (assignment.schedule.timeBasis === TimeBasis.UTC) return ['UTC'];
  const zones = await timeZonesInScope(em, assignment.id);
  return zones.length ? zones : ['UTC'];
}
