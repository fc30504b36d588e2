import { Max, Min } from 'class-validator';
import { ArgsType, Field, Int } from 'type-graphql';
import { MAX_PAGE_SIZE } from '../../services/shared/pagination';

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 1–${MAX_PAGE_SIZE} (default 25).` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page: the page holds the rows older than it.' })
  after?: string;

  @Field(() => Int, { nullable: true, description: `Paging backward: how many rows, 1–${MAX_PAGE_SIZE}, just newer than \`before\` (or the oldest, without it). Not with \`first\` or \`after\`.` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  last?: number;

  @Field(() => String, { nullable: true, description: 'The startCursor of a page: the page holds the rows newer than it. Not with `first` or `after`.' })
  before?: string;
}

/** Connections cost their page size times what each node asks for. */
export function connectionComplexity({ args, childComplexity }: { args: { first?: number; last?: number }; childComplexity: number }): number {
  // Clamped, so an out-of-range page size cannot lower the cost; validation refuses it anyway.
  const pageSize = Math.min(Math.max(args.first ?? args.last ?? 25, 1), MAX_PAGE_SIZE);
  return pageSize * Math.max(childComplexity, 1);
}
