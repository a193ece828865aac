#!/usr/bin/env node
/**
 * A workload that can be paused: it counts up to `count_to` (from its step config), one number every
 * `interval_ms`. On SIGTERM (a pause) it writes where it got to into its persistent job storage and
 * exits 75; started again (a resume), it reads that checkpoint and carries on from there.
 * No dependencies: Node.js only.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const storage = process.env.NEMO_JOB_PERSISTENT_JOB_STORAGE_PATH;
const configFile = process.env.NEMO_JOB_STEP_CONFIG_FILE_PATH;
if (!storage || !configFile) {
  console.error(
    'Run me as a job step: NEMO_JOB_PERSISTENT_JOB_STORAGE_PATH and NEMO_JOB_STEP_CONFIG_FILE_PATH are not set.',
  );
  process.exit(2);
}

const config = JSON.parse(readFileSync(configFile, 'utf8'));
const countTo = Number(config.count_to ?? 20);
const intervalMs = Number(config.interval_ms ?? 500);
const checkpoint = join(storage, 'checkpoint.json');

let next = 1;
if (existsSync(checkpoint)) {
  next = JSON.parse(readFileSync(checkpoint, 'utf8')).next;
  console.log(`resuming from checkpoint: next is ${next}`);
} else {
  console.log(`counting to ${countTo}`);
}

const timer = setInterval(() => {
  console.log(String(next));
  next += 1;
  if (next > countTo) {
    clearInterval(timer);
    console.log('done');
  }
}, intervalMs);

process.on('SIGTERM', () => {
  clearInterval(timer);
  // Written whole, then renamed: a checkpoint is never half a file.
  writeFileSync(`${checkpoint}.tmp`, JSON.stringify({ next }));
  renameSync(`${checkpoint}.tmp`, checkpoint);
  console.log(`checkpoint saved: next is ${next}`);
  process.exit(75);
});
