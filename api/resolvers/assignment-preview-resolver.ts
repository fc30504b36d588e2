import { Arg, Authorized, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { ClientTaskAssignment } from '../../db/entities';
import { MAX_PREVIEW_RUNS, MAX_PREVIEW_TIME_ZONES, previewAssignmentRuns } from '../../services/assignments/preview';
import type { StewardContext } from '../context';
import { AssignmentRunPreview } from '../types/assignment-preview-types';

@Authorized()
@Resolver(() => ClientTaskAssignment)
export class AssignmentPreviewResolver {
  @FieldResolver(() => [AssignmentRunPreview], {
    description: 'When the assignment fires next, per time zone: LOCAL time fires at each system’s own wall clock, so every zone of the systems it reaches gets its own runs.',
  })
  nextRuns(
    @Root() assignment: ClientTaskAssignment,
    @Arg('count', () => Int, { defaultValue: 5, description: `How many fire times per zone, 1–${MAX_PREVIEW_RUNS}.` }) count: number,
    @Arg('timeZones', () => [String], { nullable: true, description: `IANA time zones to preview (up to ${MAX_PREVIEW_TIME_ZONES}); by default the zones of the systems the assignment reaches now, or UTC with UTC time or when it reaches none.` })
    timeZones: string[] | null | undefined,
    @Ctx() context: StewardContext,
  ): Promise<AssignmentRunPreview[]> {
    return previewAssignmentRuns(context.em, assignment, count, timeZones ?? null, new Date());
  }
}
