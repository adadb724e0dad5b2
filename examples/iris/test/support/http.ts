import type { PredictResponse } from '../../src/predict-response.js';

/** An HTTP answer: status and parsed JSON body (undefined when the body is not JSON). */
export interface Answer<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly elapsedMs: number;
}

/** A `/predict` answer, success or error. */
export type PredictAnswer = Answer<PredictResponse & { error?: { code: string; message: string } }>;

async function send(
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: unknown; elapsedMs: number }> {
  const started = performance.now();
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, elapsedMs: performance.now() - started };
}

/** GETs `path` and parses the JSON answer. */
export function get<T = unknown>(base: string, path: string): Promise<Answer<T>> {
  return send(`${base}${path}`, { method: 'GET' }) as Promise<Answer<T>>;
}

/** POSTs a raw body (a string sent as is) to `/predict`. */
export function postRaw(
  base: string,
  body: string,
  contentType = 'application/json',
): Promise<PredictAnswer> {
  return send(`${base}/predict`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  }) as Promise<PredictAnswer>;
}

/** POSTs a JSON value to `/predict`. */
export function predict(base: string, input: unknown): Promise<PredictAnswer> {
  return postRaw(base, JSON.stringify(input));
}

/** Runs `count` jobs with at most `concurrency` at once; results in job order. */
export async function runConcurrently<T>(
  count: number,
  concurrency: number,
  job: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await job(i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Polls `check` until it resolves truthy, or fails after `timeoutMs`. Never a fixed sleep. */
export async function poll<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const start = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - start > timeoutMs)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
