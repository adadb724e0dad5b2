import { DEFAULT_SEED } from './iris-models.js';
import { ROLLOUT_HELP } from './rollout-command.js';

/** The text of `iris --help`. */
export const HELP = `iris: the Rendezvous iris example

Usage: iris <command> [options]     (npm run iris = iris all on the memory transport)

Commands:
  all [--shadow dt@2]     everything in one process: front end, dt and lr workers, decoy,
                          score and results archivers (default command); --shadow also runs
                          those models, in shadow (they score every request, never answer)
  frontend [--shadow dt@2]  the HTTP front end (Fastify on HOST:PORT), with GET /scorecard
  worker --model M        one model worker: dt, lr, dt@2 or bad@1 (start several to share the load)
  decoy                   the decoy: archives every input to ARCHIVE_DIR/decoy/
  archiver                the score and results archivers: every score to ARCHIVE_DIR/scores/,
                          every front-end result (the decision) to ARCHIVE_DIR/results/
  up                      multi-process: starts decoy, archiver, both workers and the front end
                          as separate processes (redis, kafka or nats), plus a worker per SHADOW model;
                          stops them in order on Ctrl-C
  train [--seed N]        trains dt@1 and lr@0 into MODELS_DIR (default seed ${DEFAULT_SEED})
  train --challenger      trains the challenger dt@2 and the deliberately worse bad@1 into MODELS_DIR
  load [--count 500] [--seed 1] [--shift petalLength=+1.5] [--url URL] [--concurrency 8] [--rate R]
                          sends seeded iris inputs to /predict (--shift: from a shifted distribution)
  replay [--models dt@2,bad@1] [--limit N] [--rate R] [--since T] [--until T] [--out DIR] [--resume]
                          replays the decoy archive of ARCHIVE_DIR through new versions, in process
                          (memory), and writes DIR/report.json and DIR/report.md (default ./data/replay)
  scorecard [--window 1m|10m|all] [--json] [--url URL]
                          prints the front end's live scorecard (GET /scorecard)
${ROLLOUT_HELP}
  help                    this text

Environment:
  RENDEZVOUS_TRANSPORT    memory (default; all-in-one only) | redis | kafka
  REDIS_URL               default redis://127.0.0.1:6379
  KAFKA_BROKERS           comma-separated, default 127.0.0.1:9092
  PORT, HOST              front end address, default 8000 on 127.0.0.1 (0 = any free port)
  ARCHIVE_DIR             default ./data/archive
  ELASTICSEARCH_URL       also archive to the decoy-log, score-log and result-log indices
  MODELS_DIR              default examples/iris/models
  DEADLINE_MS             default 1000      MAX_IN_FLIGHT   default 10000
  BODY_LIMIT              default 1024      HEARTBEAT_MS    default 1000
  WORKER_CONCURRENCY      default 32
  LOG_LEVEL               default info; only log lines go to stdout (banner, progress: stderr)
  LOG_FORMAT              json | pretty; default pretty on a terminal, json when piped
  SHADOW                  models run in shadow, comma-separated (as --shadow), e.g. dt@2,bad@1
  SCORECARD_REFERENCE     results in the shift reference window, default 500
  SCORECARD_MIN_SAMPLES   samples before an alarm can fire, default 100
  SCORECARD_INTERVAL_MS   how often the scorecard is evaluated, default 5000
`;
