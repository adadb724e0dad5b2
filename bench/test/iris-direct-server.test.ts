import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_INPUTS } from '../../examples/iris/test/support/bad-inputs.js';
import { createIrisDirectServer } from '../lib/iris-direct-server.js';

type App = Awaited<ReturnType<typeof createIrisDirectServer>>;

describe('the direct-call floor', () => {
  let app: App;
  beforeAll(async () => {
    app = await createIrisDirectServer();
  });
  afterAll(() => app.close());

  it('answers /predict in the shape of the iris service, from both models', async () => {
    const input = { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };
    const res = await app.inject({ method: 'POST', url: '/predict', payload: input });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(
      ['messageId', 'modelInput', 'modelResult', 'provenance', 'timestamp'].sort(),
    );
    expect(body.modelInput).toEqual(input);
    expect(body.modelResult).toEqual({
      modelName: 'dt',
      modelVersion: '1',
      result: 0,
      label: 'setosa',
    });
    expect(
      body.provenance.candidates.map((c: { modelName: string; chosen: boolean }) => [
        c.modelName,
        c.chosen,
      ]),
    ).toEqual([
      ['dt', true],
      ['lr', false],
    ]);
  });

  // A floor that skipped validation would be cheaper for the wrong reason.
  it.each(BAD_INPUTS)('rejects $name with the status the iris service answers', async (bad) => {
    const res = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: bad.raw,
      headers: { 'content-type': bad.contentType ?? 'application/json' },
    });
    expect(res.statusCode).toBe(bad.status);
  });
});
