import type { Scenario } from '../lib/types.js';
import { kafkaRestart, redisRestart } from './broker-restart.js';
import { diskFull } from './disk-full.js';
import { elasticsearchRestart } from './elasticsearch-restart.js';
import { frontendRestart } from './frontend-restart.js';
import { overload } from './overload.js';
import { poisonRecord } from './poison-record.js';
import { replyFails } from './reply-fails.js';
import { rollout } from './rollout.js';
import { sigkillScenarios } from './sigkill.js';
import { sinkFails } from './sink-fails.js';

/** Every scenario of `npm run chaos`, in run order (services that start slowly come last). */
export const SCENARIOS: readonly Scenario[] = [
  replyFails,
  sinkFails,
  poisonRecord,
  frontendRestart,
  diskFull,
  overload,
  redisRestart,
  ...sigkillScenarios.filter((s) => s.needs.includes('redis')),
  ...sigkillScenarios.filter((s) => s.needs.includes('kafka')),
  kafkaRestart,
  rollout,
  elasticsearchRestart,
];
