import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'When an assignment fires next in one time zone.' })
export class AssignmentRunPreview {
  @Field(() => String, { description: 'The IANA time zone the fire times are read in; with UTC time every zone fires at the same instants.' })
  timeZone!: string;

  @Field(() => [Date], { description: 'The next fire times, soonest first; fewer when the schedule ends. Each system starts within the randomization window after one.' })
  runs!: Date[];
}
