/** A query and the trivial one (`{ __typename }`) timed in turn, so both meet the same load on a shared machine. */
import { type BenchStack, gql } from './fixtures';

async function timed(bench: BenchStack, query: string, variables: Record<string, unknown> = {}): Promise<number> {
  const startedAt = performance.now();
  await gql(bench, query, variables);
  return performance.now() - startedAt;
}

/** `requests` times the query (with the variables of that request) and then the trivial query; milliseconds of each. */
export async function timeQueryAndTrivial(
  bench: BenchStack,
  requests: number,
  query: string,
  variables: (request: number) => Record<string, unknown>,
): Promise<{ query: number[]; trivial: number[] }> {
  const times: number[] = [];
  const trivial: number[] = [];
  for (let request = 0; request < requests; request++) {
    times.push(await timed(bench, query, variables(request)));
    trivial.push(await timed(bench, '{ __typename }'));
  }
  return { query: times, trivial };
}
