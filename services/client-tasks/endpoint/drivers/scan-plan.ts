import { PermanentFailure } from '../../../shared/permanent-failure';
import { endpointPath } from '../paths';

export interface ScanSettings {
  paths?: string[];
  include: string[];
  exclude?: string[];
  maxFileSizeBytes?: number;
  sha256Blocklist?: string[];
}

/** What find(1) walks and matches. */
export interface ScanPlan {
  roots: string[];
  includePaths: string[];
  includeNames: string[];
  excludePaths: string[];
  excludeNames: string[];
}

const GLOB_CHARACTER = /[*?[]/;

/**
 * Glob semantics: a glob without "/" matches file names ("*.exe"); one with "/" matches whole
 * paths, where "*" and "**" also cross directories ("/srv/**", "/var/www/*.php" reaches
 * subdirectories too); a relative one matches at any depth ("uploads/*.php"). Without `paths`,
 * the walk starts at the fixed directory prefix of each absolute include glob.
 */
function isPathGlob(glob: string): boolean {
  return glob.includes('/');
}

function anchored(glob: string): string {
  return glob.startsWith('/') ? glob : `*/${glob}`;
}

/** The directory part of an absolute glob before its first wildcard: "/srv/www/*.php" → "/srv/www". */
function fixedPrefix(glob: string): string {
  const wildcard = glob.search(GLOB_CHARACTER);
  const fixed = wildcard < 0 ? glob : glob.slice(0, wildcard);
  return fixed.slice(0, fixed.lastIndexOf('/')) || '/';
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** Drops roots inside other roots, so no file is visited twice. */
function outermost(roots: string[]): string[] {
  const unique = [...new Set(roots)].sort();
  return unique.filter((root) => !unique.some((other) => other !== root && (other === '/' || root.startsWith(`${other}/`))));
}

export function scanPlan(settings: ScanSettings): ScanPlan {
  const includes = settings.include;
  const excludes = settings.exclude ?? [];
  const given: unknown[] = settings.paths ?? includes.filter((glob) => glob.startsWith('/')).map(fixedPrefix);
  if (!Array.isArray(given) || !given.length) throw new PermanentFailure('Nothing to walk: set paths, or give include globs that start with "/"');
  // Roots become arguments of find(1) on the endpoint: each must be a clean absolute path, whatever the stored schema let through.
  const roots = given.map((root) => endpointPath(typeof root === 'string' ? withoutTrailingSlash(root) : root, 'paths'));
  return {
    roots: outermost(roots),
    includePaths: includes.filter(isPathGlob).map(anchored),
    includeNames: includes.filter((glob) => !isPathGlob(glob)),
    excludePaths: excludes.filter(isPathGlob).map(anchored),
    excludeNames: excludes.filter((glob) => !isPathGlob(glob)),
  };
}
