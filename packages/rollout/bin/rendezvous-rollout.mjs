#!/usr/bin/env node
// The published `rendezvous-rollout` command: the built CLI (dist/cli.js).
import { runCliProcess } from '../dist/cli.js';

process.exitCode = await runCliProcess();
