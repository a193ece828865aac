/**
 * The output of one running step: its processes' stdout and stderr, split into lines and stored in
 * batches (every `flushMs`, or at once when `batchLines` are waiting), so a chatty process costs
 * one insert per batch rather than one transaction per line.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { NewJobLogRow } from '../jobs/tables.js';
import type { JobsService } from '../jobs/service.js';
import { log } from '../observability/request-context.js';

export type OutputStream = 'stdout' | 'stderr';

export interface StepLogOptions {
  flushMs: number;
  batchLines: number;
}

/** A line longer than this is stored in pieces, so one endless line cannot fill the memory. */
const MAX_LINE_CHARS = 64 * 1024;
/** Lines waiting for the database beyond this many stop reading the pipes until they are stored. */
const HIGH_WATER_LINES = 10_000;

export class StepLog {
  private buffer: NewJobLogRow[] = [];
  private unstored = 0;
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;
  private stored: Promise<void> = Promise.resolve();
  private readonly paused = new Set<Readable>();
  private readonly reading: Promise<void>[] = [];
  /** When the processes last printed anything (or the log was made): how staleness is measured. */
  lastOutputAt = Date.now();

  constructor(
    private readonly jobs: JobsService,
    private readonly jobId: string,
    private readonly step: string,
    private readonly options: StepLogOptions,
  ) {}

  /** Reads `input` line by line until it ends; a last line without a newline counts too. */
  read(input: Readable, stream: OutputStream): void {
    const decoder = new StringDecoder('utf8');
    let partial = '';
    input.on('data', (chunk: Buffer) => {
      this.lastOutputAt = Date.now();
      partial += decoder.write(chunk);
      let newline: number;
      while ((newline = partial.indexOf('\n')) !== -1) {
        this.add(stream, partial.slice(0, newline).replace(/\r$/, ''));
        partial = partial.slice(newline + 1);
      }
      while (partial.length > MAX_LINE_CHARS) {
        this.add(stream, partial.slice(0, MAX_LINE_CHARS));
        partial = partial.slice(MAX_LINE_CHARS);
      }
      if (this.unstored > HIGH_WATER_LINES) {
        input.pause();
        this.paused.add(input);
      }
    });
    this.reading.push(
      new Promise<void>((resolve) => {
        const end = () => {
          partial += decoder.end();
          if (partial !== '') this.add(stream, partial);
          partial = '';
          resolve();
        };
        input.once('end', end);
        input.once('close', end);
        input.once('error', end);
      }),
    );
  }

  /** Stores every line read so far; resolves once they (and all earlier ones) are stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    if (batch.length > 0) {
      this.buffer = [];
      this.stored = this.stored
        .then(() => this.jobs.appendLogs(batch))
        .catch((error: unknown) => {
          // Losing output must not stop the step; the operator sees why in the gateway's log.
          log().error({ err: error }, `Could not store ${batch.length} log lines of step '${this.step}'`);
        })
        .finally(() => {
          this.unstored -= batch.length;
          if (this.unstored <= HIGH_WATER_LINES) {
            for (const input of this.paused) input.resume();
            this.paused.clear();
          }
        });
    }
    return this.stored;
  }

  /** Waits for the pipes to end (at most `waitMs`), then stores what is left. */
  async close(waitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.reading),
      new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]);
    clearTimeout(timer);
    await this.flush();
  }

  private add(stream: OutputStream, message: string): void {
    this.buffer.push({
      jobId: this.jobId,
      step: this.step,
      sequence: this.sequence++,
      stream,
      message,
      timestamp: new Date(),
    });
    this.unstored++;
    if (this.buffer.length >= this.options.batchLines) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs);
  }
}
