import { type ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { Page } from '../../services/shared/pagination';
import { costedAsOneItem } from '../query-limits';

@ObjectType({ description: 'Relay page information. Edges are always newest first, whichever way you page.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether older rows follow this page: pass endCursor as `after` to read them. True whenever the page was read with `before`.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Whether newer rows precede this page: pass startCursor as `before` (with `last`) to read them. True whenever the page was read with `after`.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the first (newest) edge; null when the page is empty.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The cursor of the last (oldest) edge; null when the page is empty.' })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  countAll(): Promise<number>;
}

/** `ClientTaskAssignment` → `client task assignment`, `WebhookDelivery` → `webhook deliveries` (plural). */
function nounOf(typeName: string, plural = false): string {
  const noun = typeName.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase();
  if (!plural) return noun;
  return /[^aeiou]y$/.test(noun) ? `${noun.slice(0, -1)}ies` : `${noun}s`;
}

/** Builds the `<Node>Connection` and `<Node>Edge` types of a Relay cursor connection. */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  const one = nounOf(name);
  const many = nounOf(name, true);

  @ObjectType(`${name}Edge`, { description: `One ${one} of a ${name}Connection page, with its cursor.` })
  class Edge {
    @Field(() => String, { description: `An opaque cursor marking this ${one}’s place in the list: pass it as \`after\` or \`before\` to page from here.` })
    cursor!: string;

    @Field(() => node, { description: `The ${one} itself.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${many}, newest first (a Relay cursor connection).` })
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [Edge], { complexity: costedAsOneItem, description: `The ${many} of this page, newest first; empty when none match.` })
    edges!: Edge[];

    @Field(() => PageInfo, { description: `The cursors of this page’s ends, and whether more ${many} lie before or after it.` })
    pageInfo!: PageInfo;

    countAll!: () => Promise<number>;

    // A method, so the count is run only when a query selects totalCount.
    @Field(() => Int, { description: 'How many match the filter, over all pages. Costs a count of every match: select it only when needed.' })
    totalCount(): Promise<number> {
      return this.countAll();
    }
  }

  return ConnectionType;
}

export function toConnection<T>(page: Page<T>): ConnectionShape<T> {
  return {
    edges: page.items,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.startCursor,
      endCursor: page.endCursor,
    },
    countAll: page.countAll,
  };
}
