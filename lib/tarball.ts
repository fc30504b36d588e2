import { Parser, type ReadEntry } from 'tar';

/** One member of an archive, as tar on the endpoint will see it. */
export interface ArchiveEntry {
  path: string;
  /** node-tar's name of the header type: File, Directory, SymbolicLink, Link, CharacterDevice, … */
  type: string;
  linkpath?: string;
}

/**
 * Caps what the entries may unpack to, so a crafted archive cannot keep the server inflating;
 * node-tar's own limit on the compression ratio (1000:1) bounds anything between the entries.
 */
const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;
/** The archive is fed in slices, so the cap is checked while inflating rather than after. */
const SLICE_BYTES = 256 * 1024;
const TAR_BLOCK = 512;
/** Symbolic links followed while resolving one target before it counts as a loop (the kernel's limit). */
const MAX_LINK_HOPS = 40;
/** Types that unpack to an ordinary file, a directory or a symbolic link; anything else is refused. */
const PLAIN_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink']);
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

export type ArchiveListing = { entries: ArchiveEntry[]; problem?: undefined } | { entries?: undefined; problem: string };

/**
 * Every entry of a gzip-compressed tar archive held in memory, in order, or why it is not one.
 * node-tar parses synchronously when it is written a buffer, so nothing here waits or touches a
 * file. Strict mode turns anything node-tar finds doubtful (a bad checksum, a truncated archive)
 * into a refusal, and the entries node-tar itself would skip are listed too, so GNU tar on the
 * endpoint can never unpack a member that was not checked here.
 */
export function listGzipTar(bytes: Buffer): ArchiveListing {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return { problem: 'it is not gzip-compressed' };
  const entries: ArchiveEntry[] = [];
  let unpacked = 0;
  let failure: Error | null = null;
  const parser = new Parser({ strict: true });
  const list = (entry: ReadEntry) => {
    entries.push({ path: entry.path, type: entry.type, ...(entry.linkpath === undefined ? {} : { linkpath: entry.linkpath }) });
    unpacked += TAR_BLOCK + entry.size;
    entry.resume();
  };
  parser.on('entry', list);
  parser.on('ignoredEntry', list);
  parser.on('error', (error: Error) => (failure ??= error));
  for (let offset = 0; offset < bytes.length && !failure; offset += SLICE_BYTES) {
    parser.write(bytes.subarray(offset, offset + SLICE_BYTES));
    if (unpacked > MAX_UNPACKED_BYTES) return { problem: `it unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MiB` };
  }
  if (!failure) parser.end();
  if (failure) return { problem: `it is not a readable tar archive (${(failure as Error).message})` };
  if (!entries.length) return { problem: 'it holds no entries' };
  return { entries };
}

function components(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/**
 * Where a symbolic link at `linkPath` (components from the top of the tree) leads, following
 * the archive's other links the way the kernel would; null when it leaves the tree or loops.
 */
function resolveLink(linkPath: string[], links: ReadonlyMap<string, string>): string[] | null {
  let hops = 0;
  const walk = (base: string[], target: string): string[] | null => {
    if (target.startsWith('/') || ++hops > MAX_LINK_HOPS) return null;
    const at = [...base];
    for (const part of components(target)) {
      if (part === '..') {
        if (!at.length) return null;
        at.pop();
        continue;
      }
      at.push(part);
      const next = links.get(at.join('/'));
      if (next !== undefined) {
        at.pop();
        const resolved = walk(at, next);
        if (!resolved) return null;
        at.splice(0, at.length, ...resolved);
      }
    }
    return at;
  };
  return walk(linkPath.slice(0, -1), links.get(linkPath.join('/'))!);
}

/** Why this entry alone could land outside the directory the archive unpacks into, or null. */
function entryProblem(entry: ArchiveEntry): string | null {
  if (!entry.path || CONTROL_CHARACTER.test(entry.path)) return 'its name is empty or holds a control character';
  if (entry.path.startsWith('/')) return 'it has an absolute path';
  if (components(entry.path).includes('..')) return 'its path has a ".." component';
  if (entry.type === 'Link') return 'it is a hard link';
  if (!PLAIN_TYPES.has(entry.type)) return `it is a ${entry.type}, not a file, directory or symbolic link`;
  if (entry.type === 'SymbolicLink' && (!entry.linkpath || CONTROL_CHARACTER.test(entry.linkpath))) return 'its link target is empty or holds a control character';
  return null;
}

/**
 * The first entry that would put something outside the directory the archive unpacks into, and
 * why; null when none does. Refused: absolute paths, ".." components, odd names, hard links,
 * devices and other special files, entries beneath one of the archive's symbolic links (tar would
 * write through the link), and symbolic links that resolve, through each other, out of the tree.
 */
export function escapingEntry(entries: readonly ArchiveEntry[]): { entry: string; reason: string } | null {
  for (const entry of entries) {
    const reason = entryProblem(entry);
    if (reason) return { entry: entry.path, reason };
  }
  const links = new Map<string, string>();
  for (const entry of entries) if (entry.type === 'SymbolicLink') links.set(components(entry.path).join('/'), entry.linkpath!);
  for (const entry of entries) {
    const parts = components(entry.path);
    const through = parts.findIndex((_, index) => index < parts.length - 1 && links.has(parts.slice(0, index + 1).join('/')));
    if (through >= 0) return { entry: entry.path, reason: `it lies beneath the symbolic link ${parts.slice(0, through + 1).join('/')}` };
    if (entry.type === 'SymbolicLink' && !resolveLink(parts, links)) {
      return { entry: entry.path, reason: `its target ${entry.linkpath} leads outside the package (or loops)` };
    }
  }
  return null;
}

/** Why a package archive is refused, naming the entry at fault; null when it is a .tar.gz whose entries all stay inside. */
export function packageArchiveProblem(bytes: Buffer): string | null {
  const listing = listGzipTar(bytes);
  if (listing.problem !== undefined) return `The package is not a usable .tar.gz: ${listing.problem}`;
  const escaping = escapingEntry(listing.entries);
  return escaping ? `The package entry ${JSON.stringify(escaping.entry)} is refused: ${escaping.reason}` : null;
}
