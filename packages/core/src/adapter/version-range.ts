/** One comparator of a range: `>=5.4.0`, `<7`, `^3.1.0` (a caret is two comparators). */
interface Comparator {
  readonly op: '<' | '<=' | '>' | '>=' | '=';
  readonly version: readonly [number, number, number];
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const PARTIAL = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/;

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) < (b[i] ?? 0) ? -1 : 1;
  return 0;
}

function parseComparator(token: string, range: string): Comparator[] {
  const m = /^(\^|>=|<=|>|<|=)?(.+)$/.exec(token);
  const parts = m ? PARTIAL.exec(m[2] ?? '') : null;
  if (!m || !parts) throw new TypeError(`unsupported version range "${range}" (at "${token}")`);
  const [major, minor, patch] = [parts[1], parts[2], parts[3]].map((n) => Number(n ?? 0)) as [
    number,
    number,
    number,
  ];
  const version = [major, minor, patch] as const;
  if (m[1] === '^') {
    // ^1.2.3 := >=1.2.3 <2.0.0; ^0.2.3 := >=0.2.3 <0.3.0 (the npm rule for 0.x)
    const upper: [number, number, number] =
      major > 0 ? [major + 1, 0, 0] : minor > 0 ? [0, minor + 1, 0] : [0, 0, patch + 1];
    return [
      { op: '>=', version },
      { op: '<', version: upper },
    ];
  }
  // A partial version means the same as its .0 form only after `<` and `>=` (npm reads `<=5.4`
  // as `<5.5.0`, `>5.4` as `>=5.5.0`): elsewhere it must be written in full.
  if (parts[3] === undefined && m[1] !== '<' && m[1] !== '>=')
    throw new TypeError(`unsupported version range "${range}": write "${token}" as x.y.z`);
  return [{ op: (m[1] ?? '=') as Comparator['op'], version }];
}

/**
 * Whether `version` satisfies `range`, for the small part of npm's range grammar peer ranges
 * use: comparators joined by spaces (`>=5.4.0 <7`) and carets (`^2.2.4`). A pre-release
 * (`6.0.0-beta.1`) never satisfies, as in npm without `includePrerelease`. Written here so
 * the core keeps rxjs as its only runtime dependency; the tests check it against the `semver`
 * package. Any other syntax (`||`, `~`, `x`) throws a `TypeError`: the ranges are constants
 * of the adapters, so an unsupported one is a bug to see at once.
 *
 * @example
 * ```ts
 * satisfiesVersionRange('5.11.1', '>=5.4.0 <7'); // true
 * satisfiesVersionRange('3.0.0', '^2.2.4'); // false
 * ```
 */
export function satisfiesVersionRange(version: string, range: string): boolean {
  const tokens = range.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) throw new TypeError('empty version range');
  const comparators = tokens.flatMap((t) => parseComparator(t, range));
  const m = VERSION.exec(version.trim());
  if (!m || m[4] !== undefined) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  return comparators.every(({ op, version: c }) => {
    const d = compare(v, c);
    if (op === '<') return d < 0;
    if (op === '<=') return d <= 0;
    if (op === '>') return d > 0;
    if (op === '>=') return d >= 0;
    return d === 0;
  });
}
