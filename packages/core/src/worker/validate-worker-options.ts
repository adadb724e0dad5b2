import { instrumentationProblem } from '../combine-instrumentation.js';
import { ConfigurationError } from '../errors.js';

/** `the number 1`, `the string 'a b'`, `undefined`, `NaN`: what a wrong value was, for messages. */
function got(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'number')
    return Number.isFinite(value) ? `the number ${value}` : String(value);
  if (typeof value === 'string') return value === '' ? 'the empty string' : `the string '${value}'`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function fail(message: string): never {
  throw new ConfigurationError(message);
}

function checkNamePart(field: 'name' | 'version', value: unknown, model: Record<string, unknown>) {
  const example = field === 'name' ? "'iris'" : "'1'";
  if (typeof value !== 'string' || value === '')
    fail(
      `model.${field} must be a ${field === 'name' ? 'non-empty ' : ''}string such as ${example} (got ${got(value)})`,
    );
  if (value.includes('@')) {
    const [name, version] = String(model.name).split('@');
    fail(
      `model.${field} must not contain '@' (got '${value}'): '@' separates name and version in 'name@version'; ` +
        (field === 'name'
          ? `pass them apart, as model: { name: '${name}', version: '${version || '1'}' }`
          : `use a version such as '${value.replace(/@/g, '.')}'`),
    );
  }
  if (/\s/.test(value))
    fail(
      `model.${field} must not contain whitespace (got '${value}'): use '-' instead, as '${value.trim().replace(/\s+/g, '-')}'`,
    );
}

function checkPositive(
  options: Record<string, unknown>,
  field: string,
  example: number,
  integer: boolean,
  optional: boolean,
): void {
  const value = options[field];
  if (value === undefined) return;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value > 0 &&
    (!integer || Number.isInteger(value));
  if (!ok)
    fail(
      `${field} must be a positive ${integer ? 'integer' : 'number of milliseconds'} such as ${example}` +
        `${optional ? ', or left out' : ''} (got ${got(value)})`,
    );
}

/**
 * Checks the options of a `ModelWorker` as a plain JavaScript caller may pass them, and throws a
 * {@link ConfigurationError} that says what to change. Runs once, at construction.
 *
 * @example
 * ```ts
 * validateWorkerOptions({ transport, model: { name: 'dt', version: 1 }, predict }); // throws:
 * // model.version must be a string such as '1' (got the number 1)
 * ```
 */
export function validateWorkerOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null)
    fail(`ModelWorker needs options: pass { transport, model, predict } (got ${got(options)})`);
  const o = options as Record<string, unknown>;
  const transport = o.transport as Record<string, unknown> | undefined;
  if (
    typeof transport !== 'object' ||
    transport === null ||
    typeof transport.consume !== 'function'
  )
    fail(
      `transport is required: pass a Transport such as new MemoryTransport() (got ${got(o.transport)})`,
    );
  const model = o.model;
  if (typeof model !== 'object' || model === null)
    fail(`model must be an object such as { name: 'iris', version: '1' } (got ${got(model)})`);
  const m = model as Record<string, unknown>;
  checkNamePart('name', m.name, m);
  checkNamePart('version', m.version, m);
  if (m.instance !== undefined && (typeof m.instance !== 'string' || m.instance === ''))
    fail(
      `model.instance must be a non-empty string such as 'dt-1-host-a', or left out (got ${got(m.instance)})`,
    );
  if (typeof o.predict !== 'function')
    fail(`predict must be a function (input, context) => output (got ${got(o.predict)})`);
  if (o.parseInput !== undefined && typeof o.parseInput !== 'function')
    fail(
      `parseInput must be a function (input) => parsed input, or left out (got ${got(o.parseInput)})`,
    );
  checkPositive(o, 'concurrency', 8, true, false);
  checkPositive(o, 'predictTimeoutMs', 500, false, true);
  checkPositive(o, 'heartbeatIntervalMs', 1000, false, false);
  checkPositive(o, 'maxDeliveries', 5, true, false);
  if (o.retirable !== undefined && typeof o.retirable !== 'boolean')
    fail(
      `retirable must be true (drain on a 'retire' message on the control channel) or false, or left out (got ${got(o.retirable)})`,
    );
  const problem =
    o.instrumentation === undefined ? undefined : instrumentationProblem(o.instrumentation);
  if (problem) fail(problem);
}
