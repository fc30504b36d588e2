import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
} from 'graphql';
import {
  EXTREME_INTS,
  INT32_MAX,
  hostileObjects,
  METACHARACTERS,
  NOT_A_DATE,
  NOT_AN_INT,
  nestedList,
  ODD_UNICODE,
  UNSTORABLE_TEXT,
} from './hostile-values';

/**
 * Generates invalid inputs for every mutation of a schema, walking its input types. Each case starts
 * from a mostly-valid input (existing IDs where the caller knows some, plausible text by field name)
 * and breaks it on purpose, so that no case may legitimately succeed:
 * - a value that is wrong wherever it lands (wrong type, null where required, an unknown ID,
 *   text PostgreSQL cannot store, a huge string, a deeply nested list, an unknown field, a random input);
 * - or a suspect value (metacharacters, odd Unicode, extreme numbers, hostile objects) that may be
 *   fine in some field, sent together with a "spoiler": an unknown ID or a stale version elsewhere
 *   in the same input, or a spoiler the caller names for mutations that have neither.
 */

export interface FuzzCase {
  mutation: string;
  /** What was broken, to reproduce a failure together with the seed. */
  description: string;
  /** Whether GraphQL's own coercion of the variables must refuse it, or the product's checks. */
  refusedBy: 'graphql' | 'product';
  query: string;
  variables: Record<string, unknown>;
}

export interface FuzzOptions {
  seed: number;
  casesPerMutation: number;
  /** Length of the "huge" strings: some cases send this many characters, the rest 100 kB. */
  hugeStringLength: number;
  /** The ID of an existing object for an ID field, by field and mutation, so lookups succeed and later checks run. */
  knownId(field: string, mutation: string): string | undefined;
  /** For mutations with no ID or version field to spoil: field paths (`input.name`) and values that make the input invalid. */
  spoilers?: Record<string, Record<string, unknown>>;
}

/** The options, and which mutation the case is for. */
type CaseOptions = FuzzOptions & { mutation: string };

type Path = (string | number)[];

interface Leaf {
  path: Path;
  type: GraphQLInputType;
}

/** A small seeded PRNG (mulberry32), so a failing run can be repeated from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Picker {
  constructor(readonly next: () => number) {}
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  one<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  hex(bytes: number): string {
    return Array.from({ length: bytes }, () => this.int(256).toString(16).padStart(2, '0')).join('');
  }
  uuid(): string {
    const hex = this.hex(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

const PLAUSIBLE_TEXT: Record<string, string> = {
  host: '127.0.0.1',
  username: 'fuzzer',
  timeZone: 'UTC',
  cron: '0 3 * * *',
  timeOfDay: '03:00',
  anchorDate: '2030-01-01',
  startAt: '2030-01-01T03:00',
  endDate: '2030-12-31',
  executionNode: 'local',
  version: '1.0.0',
  product: 'fuzz-product',
  command: 'echo fuzz',
  installScript: 'echo fuzz',
  tarballBase64: 'AAAA',
  graphqlUrl: 'https://peer.example.com/graphql',
};

const PLAUSIBLE_INT: Record<string, number> = { port: 22, version: 1, passwordLength: 20, dayOfMonth: 1, intervalDays: 30, minDays: 1, maxDays: 30, everyNDays: 1, occurrence: 1, cycles: 3 };

/** Fields with a strict format, where metacharacters and odd Unicode are wrong on their own. */
const FORMATTED_FIELDS = new Set(['host', 'hostKeyFingerprint', 'timeZone', 'cron', 'executionNode', 'timeOfDay', 'anchorDate', 'endDate']);

/** Counts, sizes and durations: none may be negative, and none means 68 years or 2^31 of anything. */
const BOUNDED_INTS = new Set(['port', 'passwordLength', 'dayOfMonth', 'intervalDays', 'minDays', 'maxDays', 'everyNDays', 'cycles', 'durationMinutes', 'expiresInDays', 'frequencySeconds', 'intervalSeconds', 'maxSessionMinutes', 'randomizationMinutes', 'runMissedDelayMinutes', 'stopAfterMinutes']);

/** The version a stale optimistic-locking input carries. */
const STALE_VERSION = 1_000_000;

/** The mutations the fuzzer can reach: those with arguments. */
export function fuzzableMutations(schema: GraphQLSchema): GraphQLField<unknown, unknown>[] {
  return Object.values(schema.getMutationType()?.getFields() ?? {}).filter((field) => field.args.length > 0);
}

/** Each mutation draws from its own sequence, so a seed repeats its cases whatever other mutations the schema gains. */
export function mutationCases(schema: GraphQLSchema, options: FuzzOptions): FuzzCase[] {
  return fuzzableMutations(schema).flatMap((field) => {
    const pick = new Picker(seededRandom(options.seed ^ nameHash(field.name)));
    return Array.from({ length: options.casesPerMutation }, () => oneCase(field, pick, options));
  });
}

/** FNV-1a, to mix a mutation's name into the seed. */
function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash >>> 0;
}

function oneCase(field: GraphQLField<unknown, unknown>, pick: Picker, fuzzOptions: FuzzOptions): FuzzCase {
  const options: CaseOptions = { ...fuzzOptions, mutation: field.name };
  const variables: Record<string, unknown> = {};
  for (const arg of field.args) variables[arg.name] = plausible(arg.type, arg.name, pick, options);
  const leaves = field.args.flatMap((arg) => leavesOf(arg.type, [arg.name], new Set()));
  const { description, refusedBy } = breakInput(variables, leaves, pick, options);
  return { mutation: field.name, description, refusedBy, query: documentFor(field), variables };
}

function documentFor(field: GraphQLField<unknown, unknown>): string {
  const definitions = field.args.map((arg: GraphQLArgument) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `mutation Fuzz(${definitions}) { ${field.name}(${args})${selection} }`;
}

/** Every slot a value can be put in: the argument, each field of its input objects, and inside lists of objects their first item. */
function leavesOf(type: GraphQLInputType, path: Path, seen: Set<string>): Leaf[] {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return [{ path, type }, ...leavesOf(inner.ofType, [...path, 0], seen).filter((leaf) => leaf.path.length > path.length + 1)];
  if (!isInputObjectType(inner)) return [{ path, type }];
  if (seen.has(inner.name)) return [];
  const inside = new Set(seen).add(inner.name);
  return [{ path, type }, ...Object.values(inner.getFields()).flatMap((f) => leavesOf(f.type, [...path, f.name], inside))];
}

function lastName(path: Path): string {
  return String([...path].reverse().find((part) => typeof part === 'string'));
}

/** A value of the type that would pass if nothing else were wrong. Optional fields come and go. */
function plausible(type: GraphQLInputType, name: string, pick: Picker, options: CaseOptions): unknown {
  if (isNonNullType(type)) return plausible(type.ofType, name, pick, options);
  if (isListType(type)) return [plausible(type.ofType, name, pick, options)];
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (isNonNullType(f.type) || pick.chance(0.5)) value[f.name] = plausible(f.type, f.name, pick, options);
    }
    return value;
  }
  if (isEnumType(type)) return pick.one(type.getValues()).name;
  switch (type.name) {
    case 'ID':
      return options.knownId(name, options.mutation) ?? pick.uuid();
    case 'Int':
      return PLAUSIBLE_INT[name] ?? 5;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return false;
    case 'DateTimeISO':
      return '2030-01-01T03:00:00.000Z';
    case 'JSON':
    case 'JSONObject':
      return {};
    default:
      if (name === 'hostKeyFingerprint') return `SHA256:${Buffer.from(pick.hex(32), 'hex').toString('base64').replace(/=+$/, '')}`;
      if (/password/i.test(name)) return `Fuzz-password-${pick.hex(8)}`;
      return PLAUSIBLE_TEXT[name] ?? `fuzz-${name}-${pick.hex(4)}`;
  }
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown, leaves: Leaf[], pick: Picker, options: CaseOptions): void {
  let node: any = root;
  for (let index = 0; index < path.length - 1; index += 1) {
    const key = path[index]!;
    if (node[key] === undefined || node[key] === null) {
      const parent = leaves.find((leaf) => samePath(leaf.path, path.slice(0, index + 1)));
      node[key] = parent ? plausible(parent.type, String(key), pick, options) : typeof path[index + 1] === 'number' ? [] : {};
    }
    node = node[key];
  }
  node[path[path.length - 1]!] = value;
}

function samePath(a: Path, b: Path): boolean {
  return a.length === b.length && a.every((part, index) => part === b[index]);
}

function related(a: Path, b: Path): boolean {
  const shorter = Math.min(a.length, b.length);
  return samePath(a.slice(0, shorter), b.slice(0, shorter));
}

function dotted(path: Path): string {
  return path.join('.');
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…(${value.length} chars)` : value) : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Breaks the input in place and says how. */
function breakInput(variables: Record<string, unknown>, leaves: Leaf[], pick: Picker, options: CaseOptions): Pick<FuzzCase, 'description' | 'refusedBy'> {
  const roll = pick.next();
  if (roll < 0.06) {
    const arg = pick.one(leaves.filter((leaf) => leaf.path.length === 1));
    variables[arg.path[0] as string] = randomValue(pick, 3);
    return { description: `random ${arg.path[0]}: ${show(variables[arg.path[0] as string])}`, refusedBy: 'graphql' };
  }
  // The arguments themselves are broken only now and then: most cases break something inside.
  const inner = leaves.filter((leaf) => leaf.path.length > 1);
  const leaf = inner.length > 0 && pick.chance(0.9) ? pick.one(inner) : pick.one(leaves);
  const suspect = roll < 0.45 ? suspectValue(leaf, pick) : undefined;
  if (suspect !== undefined) {
    const spoiled = spoil(variables, leaves, leaf, pick, options);
    if (spoiled) {
      setAt(variables, leaf.path, suspect, leaves, pick, options);
      return { description: `${dotted(leaf.path)} = ${show(suspect)} with ${spoiled}`, refusedBy: 'product' };
    }
  }
  const checked = roll < 0.75 ? checkedValue(leaf, pick, options) : undefined;
  const typeError = checked ? undefined : typeErrorValue(leaf, pick);
  const productRefuses = checked ?? (typeError ? undefined : checkedValue(leaf, pick, options));
  const make = productRefuses ?? typeError;
  if (!make) return breakInput(variables, leaves.filter((other) => other !== leaf), pick, options);
  const value = make();
  setAt(variables, leaf.path, value, leaves, pick, options);
  return { description: `${dotted(leaf.path)} = ${show(value)}`, refusedBy: productRefuses ? 'product' : 'graphql' };
}

/** Makes a field other than `besides` wrong: an unknown ID, a stale version, or the caller's spoiler. */
function spoil(variables: Record<string, unknown>, leaves: Leaf[], besides: Leaf, pick: Picker, options: CaseOptions): string | undefined {
  const named = (leaf: Leaf) => getNamedType(leaf.type).name;
  const slots = leaves.filter((leaf) => !related(leaf.path, besides.path) && (named(leaf) === 'ID' || (named(leaf) === 'Int' && lastName(leaf.path) === 'version')));
  if (slots.length > 0) {
    const slot = pick.one(slots);
    const value = named(slot) === 'ID' ? (isListType(isNonNullType(slot.type) ? slot.type.ofType : slot.type) ? [pick.uuid()] : pick.uuid()) : STALE_VERSION;
    setAt(variables, slot.path, value, leaves, pick, options);
    return `${dotted(slot.path)} = ${show(value)}`;
  }
  const spoilers = Object.entries(options.spoilers?.[options.mutation] ?? {}).filter(([path]) => !related(path.split('.'), besides.path.map(String)));
  if (spoilers.length === 0) return undefined;
  const [path, value] = pick.one(spoilers);
  setAt(variables, path.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part)), value, leaves, pick, options);
  return `${path} = ${show(value)}`;
}

/** A value that may be valid in some field, so it goes only with a spoiler. */
function suspectValue(leaf: Leaf, pick: Picker): unknown {
  const named = getNamedType(leaf.type);
  if (isListType(isNonNullType(leaf.type) ? leaf.type.ofType : leaf.type)) return undefined;
  switch (named.name) {
    case 'String':
    case 'ID':
      return pick.one([...METACHARACTERS, ...ODD_UNICODE, '', ' ', '\t\n']);
    case 'Int':
      return pick.one(EXTREME_INTS);
    case 'DateTimeISO':
      return pick.one(['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z']);
    case 'JSON':
    case 'JSONObject':
      return pick.one(hostileObjects());
    default:
      return undefined;
  }
}

function listType(type: GraphQLInputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** A value of the right GraphQL type that no field may accept, so it reaches the product's own checks. */
function checkedValue(leaf: Leaf, pick: Picker, options: CaseOptions): (() => unknown) | undefined {
  const named = getNamedType(leaf.type);
  const huge = () => 'x'.repeat(pick.chance(0.15) ? options.hugeStringLength : 100_000);
  if (listType(leaf.type)) return named.name === 'ID' ? () => Array.from({ length: 2000 }, () => pick.uuid()) : undefined;
  if (named.name === 'ID') {
    return pick.one([() => pick.uuid(), () => pick.one(['1', '-1', '0', '2147483648', '9007199254740993', 'NaN', ...METACHARACTERS]), () => pick.one(UNSTORABLE_TEXT), () => `${pick.uuid()}${huge()}`]);
  }
  if (named.name === 'String') {
    const wrongFormat = FORMATTED_FIELDS.has(lastName(leaf.path)) ? [() => pick.one([...METACHARACTERS, ...ODD_UNICODE, '', ' '])] : [];
    return pick.one([() => pick.one(UNSTORABLE_TEXT), huge, ...wrongFormat]);
  }
  if (named.name === 'Int' && BOUNDED_INTS.has(lastName(leaf.path))) return () => pick.one([-1, -(2 ** 31), INT32_MAX]);
  // JSON takes any value, so only the product can refuse one; no document it reads is a bare list or number.
  if (named.name === 'JSON') return pick.one([() => nestedList(300), () => 42, () => pick.one(METACHARACTERS)]);
  return undefined;
}

/** A value GraphQL itself refuses for this slot: wrong type, null where required, too deep, unknown fields. */
function typeErrorValue(leaf: Leaf, pick: Picker): (() => unknown) | undefined {
  const named = getNamedType(leaf.type);
  const nullWhereRequired = isNonNullType(leaf.type) ? [() => null] : [];
  const common: (() => unknown)[] = [() => nestedList(pick.one([50, 300, 1000])), ...nullWhereRequired];
  // A single item would be taken as a list of one, so the item itself is wrong: an object with a field no type has.
  if (listType(leaf.type)) return pick.one([...common, () => [{ 'not-a-field': true }]]);
  if (isInputObjectType(named)) return pick.one([...common, () => 'not an object', () => 42, () => ({ fuzzUnknownField: pick.one(METACHARACTERS) })]);
  if (isEnumType(named)) return pick.one([...common, () => 'NOT_A_VALUE', () => named.getValues()[0]!.name.toLowerCase(), () => 0, () => pick.one(METACHARACTERS)]);
  switch (named.name) {
    case 'ID':
      return pick.one([...common, () => ({}), () => true, () => 1.5]);
    case 'String':
      return pick.one([...common, () => 42, () => true, () => ({})]);
    case 'Int':
      return pick.one([...common, () => pick.one(NOT_AN_INT), () => 'x'.repeat(100_000)]);
    case 'Float':
      return pick.one([...common, () => 'NaN', () => 'Infinity', () => '1e400']);
    case 'Boolean':
      return pick.one([...common, () => 'true', () => 1, () => 'yes']);
    case 'DateTimeISO':
      return pick.one([...common, () => pick.one(NOT_A_DATE)]);
    case 'JSONObject':
      return pick.one([...common, () => 'not an object', () => [1, 2], () => 42]);
    default:
      // JSON, or a custom scalar the fuzzer knows nothing about, may take any value but null.
      return nullWhereRequired[0];
  }
}

/** Any JSON value, for fully random inputs. */
function randomValue(pick: Picker, depth: number): unknown {
  const kinds: (() => unknown)[] = [
    () => pick.one(METACHARACTERS),
    () => pick.one(ODD_UNICODE),
    () => pick.int(2 ** 31) - 2 ** 30,
    () => pick.chance(0.5),
    () => null,
    () => pick.hex(pick.int(20)),
  ];
  if (depth > 0) {
    kinds.push(() => Array.from({ length: pick.int(4) }, () => randomValue(pick, depth - 1)));
    // Always one key no GraphQL field can have, so a random object never happens to be a valid input.
    kinds.push(() => ({
      ...Object.fromEntries(Array.from({ length: pick.int(4) }, () => [pick.one(['name', 'id', 'recordId', 'password']), randomValue(pick, depth - 1)])),
      [`not-a-field-${pick.hex(2)}`]: randomValue(pick, depth - 1),
    }));
  }
  return pick.one(kinds)();
}
