import type { ModelIdentity } from './wire/model-identity.js';

/**
 * A model version, regardless of which worker instance serves it. The unit a policy ranks
 * and the registry tracks.
 */
export interface ModelRef {
  readonly name: string;
  readonly version: string;
}

/**
 * The key of a model version, `name@version`.
 *
 * @example
 * ```ts
 * modelKey({ name: 'dt', version: '1' }); // 'dt@1'
 * ```
 */
export function modelKey(model: ModelRef | ModelIdentity): string {
  return `${model.name}@${model.version}`;
}

/** A run of digits (its value, as digits without leading zeros) or of other characters. */
type Run = { readonly digits: string } | string;

/** One dot-separated identifier, split into runs of digits and of other characters. */
type Identifier = readonly Run[];

/** What a version ranks by: its release identifiers, then its pre-release ones (`undefined`: a release). */
interface VersionKey {
  readonly release: readonly Identifier[];
  readonly pre: readonly Identifier[] | undefined;
}

const RUN = /\d+|\D+/g;

function identifier(text: string): Identifier {
  const runs = text.match(RUN) ?? [];
  // Digits compare by value without converting to a number, so no length of digits overflows.
  return runs.map((r) => {
    const c = r.charCodeAt(0);
    return c >= 48 && c <= 57 ? { digits: r.replace(/^0+(?=\d)/, '') } : r.toLowerCase();
  });
}

function isZero(id: Identifier): boolean {
  const only = id[0];
  return id.length === 1 && typeof only === 'object' && only.digits === '0';
}

function parse(version: string): VersionKey {
  let s = /^[vV]\d/.test(version) ? version.slice(1) : version;
  const plus = s.indexOf('+');
  if (plus >= 0) s = s.slice(0, plus);
  const dash = s.indexOf('-');
  const release = (dash >= 0 ? s.slice(0, dash) : s).split('.').map(identifier);
  // Trailing zero segments do not change the rank: `1`, `1.0` and `1.0.0` rank alike.
  while (release.length > 1 && isZero(release[release.length - 1]!)) release.pop();
  const pre =
    dash >= 0
      ? s
          .slice(dash + 1)
          .split('.')
          .map(identifier)
      : undefined;
  return { release, pre };
}

function compareRuns(a: Run, b: Run): number {
  if (typeof a === 'object') {
    if (typeof b !== 'object') return -1;
    return (
      a.digits.length - b.digits.length || (a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0)
    );
  }
  if (typeof b === 'object') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lexicographic, element by element; a prefix ranks first. */
function compareLists<T>(a: readonly T[], b: readonly T[], each: (x: T, y: T) => number): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = each(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

const compareIdentifiers = (a: Identifier, b: Identifier): number =>
  compareLists(a, b, compareRuns);

// Policies compare the same few versions on every evaluation: parse each string once. Bounded,
// because versions arrive on the wire.
const keys = new Map<string, VersionKey>();

function keyOf(version: string): VersionKey {
  let key = keys.get(version);
  if (key === undefined) {
    if (keys.size >= 1024) keys.clear();
    key = parse(version);
    keys.set(version, key);
  }
  return key;
}

/**
 * Orders version strings, oldest first: a total order (antisymmetric, transitive, `0` only for
 * equal strings), so sorting by it is stable whatever the input order. The rule, semver-like:
 *
 * 1. A leading `v` or `V` before a digit is ignored (`v2` ranks as `2`), and so is build
 *    metadata from the first `+` (`1.0.0+build.7` ranks as `1.0.0`).
 * 2. The first `-` starts a pre-release. The release part is compared segment by segment
 *    (segments are separated by `.`); trailing `.0` segments do not count (`1.0` ranks as `1`).
 * 3. Within a segment, runs of digits compare by value (`2 < 10`, `01` ranks as `1`), other
 *    runs case-insensitively by character code, and a number ranks below text in the same place
 *    (`1.0.9 < 1.0.x`, `rc < rc1 < rc2 < rc10`). A segment that is a prefix of another ranks first.
 * 4. A pre-release ranks below its release and is compared by segments the same way:
 *    `1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0-rc.1 < 1.0.0`.
 * 5. Versions of equal rank but different spelling (`01` and `1`, `V2` and `v2`, `1.0+a` and
 *    `1.0+b`) are ordered by the strings themselves (by UTF-16 code unit), so no two distinct
 *    versions compare equal.
 *
 * Returns a negative number when `a` is older than `b`, positive when newer, `0` when `a === b`.
 *
 * @example
 * ```ts
 * ['10', '2', '2.0.0-rc1', 'v1'].sort(compareVersions); // ['v1', '2.0.0-rc1', '2', '10']
 * ```
 */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const x = keyOf(a);
  const y = keyOf(b);
  const byRank =
    compareLists(x.release, y.release, compareIdentifiers) ||
    (x.pre === undefined
      ? y.pre === undefined
        ? 0
        : 1
      : y.pre === undefined
        ? -1
        : compareLists(x.pre, y.pre, compareIdentifiers));
  if (byRank !== 0) return Math.sign(byRank);
  return a < b ? -1 : 1;
}

/**
 * Whether `model` matches a selector: `'name'` matches every version, `'name@version'` one.
 *
 * @example
 * ```ts
 * matchesSelector({ name: 'dt', version: '1' }, 'dt'); // true
 * ```
 */
export function matchesSelector(model: ModelRef, selector: string): boolean {
  const at = selector.lastIndexOf('@');
  if (at <= 0) return model.name === selector;
  return model.name === selector.slice(0, at) && model.version === selector.slice(at + 1);
}
