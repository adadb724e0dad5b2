import { describe } from 'vitest';
import { type ConformanceTarget, conformanceContext } from './conformance-context.js';
import { deliveryCases } from './delivery-cases.js';
import { envelopeConformance } from './envelope-conformance.js';
import { lagCases } from './lag-cases.js';
import { replyCases } from './reply-cases.js';

/**
 * Registers the conformance tests for one transport. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * transportConformance('memory', { create: () => new MemoryTransport({ broker }) });
 * ```
 */
export function transportConformance(name: string, target: ConformanceTarget): void {
  describe(`transport conformance: ${name}`, () => {
    const ctx = conformanceContext(name, target);
    envelopeConformance(ctx);
    deliveryCases(ctx);
    replyCases(ctx);
    lagCases(ctx);
  });
}
