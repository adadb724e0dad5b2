import type { Json } from '@rendezvous-ml/core';
import {
  type ArchivedAnswer,
  type ArchivedOutcome,
  buildDiffReport,
  type ReplayedAnswer,
  type ReplayedOutcome,
} from '@rendezvous-ml/replay';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ok = (output: Json, latencyMs = 1): ReplayedAnswer => ({ status: 'ok', output, latencyMs });
const archivedOk = (output: Json) => ({ ok: true as const, output });

function outcome(id: string, answers: Record<string, ReplayedAnswer>): ReplayedOutcome {
  return { originalId: id, answers: new Map(Object.entries(answers)) };
}

describe('buildDiffReport', () => {
  it('counts agreement only where both answered, and the confusion matrix by (production, new) pair', () => {
    const archived = new Map<string, ArchivedOutcome>([
      [
        'a',
        {
          answers: new Map([
            ['dt@1', archivedOk('x')],
            ['lr@0', archivedOk('x')],
          ]),
          chosen: { model: 'dt@1', output: 'x' },
          hasResult: true,
        },
      ],
      [
        'b',
        {
          answers: new Map<string, ArchivedAnswer>([
            ['dt@1', archivedOk('y')],
            ['lr@0', { ok: false, error: { code: 'PREDICT_FAILED', message: 'no' } }],
          ]),
          chosen: { model: 'dt@1', output: 'y' },
          hasResult: true,
        },
      ],
      [
        'c',
        {
          answers: new Map([
            ['dt@1', archivedOk('y')],
            ['lr@0', archivedOk('x')],
          ]),
          chosen: { model: 'lr@0', output: 'x' },
          hasResult: true,
        },
      ],
      ['d', { answers: new Map([['dt@1', archivedOk('x')]]), hasResult: false }],
    ]);
    const outcomes = [
      outcome('a', { 'dt@2': ok('x', 4) }),
      outcome('b', { 'dt@2': ok('x', 2) }),
      outcome('c', { 'dt@2': ok('y', 3) }),
      outcome('d', {
        'dt@2': {
          status: 'error',
          error: { code: 'PREDICT_TIMEOUT', message: 'slow' },
          latencyMs: 9,
        },
      }),
      outcome('e', { 'dt@2': { status: 'missing' } }),
    ];
    const r = buildDiffReport(outcomes, { archived, newModels: ['dt@2'] });
    expect(r.production).toBe('dt@1'); // chosen twice, lr@0 once
    expect(r.archivedModels).toEqual(['dt@1', 'lr@0']);
    expect(r.withoutArchivedAnswers).toBe(1); // e
    expect(r.withArchivedResult).toBe(3);
    const m = r.models['dt@2']!;
    expect([m.ok, m.errors, m.missing]).toEqual([3, 1, 1]);
    expect(m.errorsByCode).toEqual({ PREDICT_TIMEOUT: 1 });
    expect(m.latencyMs).toMatchObject({ count: 4, p50: 3, max: 9 });
    expect(m.agreement['dt@1']).toMatchObject({ compared: 3, agreed: 2 }); // a, c agree; b not
    expect(m.agreement['lr@0']).toMatchObject({ compared: 2, agreed: 1 }); // a agrees, c not, b lr failed
    expect(m.agreementWithChosen).toMatchObject({ compared: 3, agreed: 1 }); // a only
    expect(m.confusion).toEqual({
      against: 'dt@1',
      labels: ['x', 'y'],
      counts: [
        [1, 0],
        [1, 1],
      ],
      total: 3,
    });
    expect(m.disagreements).toEqual([{ requestId: 'b', production: 'y', replayed: 'x' }]);
    // A chosen production model and a tolerance for numbers.
    const r2 = buildDiffReport(outcomes, {
      archived,
      newModels: ['dt@2'],
      production: 'lr@0',
      agree: () => true,
    });
    expect(r2.models['dt@2']!.confusion?.against).toBe('lr@0');
    expect(r2.models['dt@2']!.agreement['dt@1']).toMatchObject({ compared: 3, agreed: 3 });
  });

  it('omits a confusion matrix with more distinct outputs than allowed', () => {
    const archived = new Map<string, ArchivedOutcome>(
      Array.from({ length: 5 }, (_, i) => [
        `r${i}`,
        { answers: new Map([['m@1', archivedOk(i)]]), hasResult: false },
      ]),
    );
    const outcomes = Array.from({ length: 5 }, (_, i) => outcome(`r${i}`, { 'm@2': ok(i + 0.5) }));
    const m = buildDiffReport(outcomes, { archived, newModels: ['m@2'], maxConfusionLabels: 4 })
      .models['m@2']!;
    expect(m.confusion).toMatchObject({
      total: 5,
      labels: [],
      omitted: '10 distinct outputs (more than 4)',
    });
  });

  it('for any outcomes, the confusion matrix sums to the agreement count against production, and its diagonal to the agreed', () => {
    const label = fc.constantFrom('a', 'b', 'c');
    const row = fc.record({
      prod: fc.option(label, { nil: undefined }),
      other: fc.option(label, { nil: undefined }),
      mine: fc.oneof(
        label.map((l) => ok(l)),
        fc.constant<ReplayedAnswer>({ status: 'missing' }),
      ),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
        const archived = new Map<string, ArchivedOutcome>();
        rows.forEach((r, i) => {
          const answers = new Map<string, { ok: true; output: Json }>();
          if (r.prod !== undefined) answers.set('p@1', archivedOk(r.prod));
          if (r.other !== undefined) answers.set('o@1', archivedOk(r.other));
          archived.set(String(i), { answers, hasResult: false });
        });
        const outcomes = rows.map((r, i) => outcome(String(i), { 'n@1': r.mine }));
        const m = buildDiffReport(outcomes, { archived, newModels: ['n@1'], production: 'p@1' })
          .models['n@1']!;
        const both = rows.filter((r) => r.prod !== undefined && r.mine.status === 'ok');
        const agreed = both.filter(
          (r) => r.mine.status === 'ok' && r.mine.output === r.prod,
        ).length;
        const c = m.confusion!;
        expect(c.counts.flat().reduce((a, b) => a + b, 0)).toBe(both.length);
        expect(c.total).toBe(both.length);
        expect(c.labels.reduce((s, _, i) => s + (c.counts[i]?.[i] ?? 0), 0)).toBe(agreed);
        expect(m.agreement['p@1'] ?? { compared: 0, agreed: 0 }).toMatchObject({
          compared: both.length,
          agreed,
        });
        expect(m.ok + m.missing).toBe(rows.length);
      }),
    );
  });
});
