/**
 * Open subscriptions keep their caller's right to read under review: a role removed, or a token
 * expired, ends them within a few seconds, whichever door they came through (graphql-ws, SSE).
 * (A graphql-ws connection closes itself when its token expires, so its principal carries no
 * expiry here.)
 *
 * One timer per process looks at every guarded subscription once per `recheckMs`, and asks the
 * access control whether its caller may still read the workspace. That answer comes from the
 * roles cache, which compares one revision number with the database at most once a second, so an
 * idle subscription costs no query of its own, and delivering an event costs no check at all.
 * With auth off nothing is guarded and no timer runs. Each door tells its client in its own way.
 */
import { AuthenticationError, PermissionDeniedError } from './errors.js';
import type { AccessControl } from './index.js';
import type { Principal } from './principal.js';

type EndOfAccess = AuthenticationError | PermissionDeniedError;

/** The last item of a stream whose caller lost access, saying why. */
export class AccessEnded {
  constructor(readonly error: EndOfAccess) {}
}

interface Watch {
  principal: Principal;
  workspace: string;
  end(error: EndOfAccess): void;
}

const DONE = { value: undefined, done: true } as const;

export class LiveAccess {
  private static readonly byAccess = new WeakMap<AccessControl, LiveAccess>();

  /** The one reviewer of `access`'s subscriptions, shared by every door of the gateway. */
  static of(access: AccessControl): LiveAccess {
    let live = LiveAccess.byAccess.get(access);
    if (!live) LiveAccess.byAccess.set(access, (live = new LiveAccess(access)));
    return live;
  }

  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;
  private reviewing = false;

  constructor(
    private readonly access: AccessControl,
    /** How often each subscription is reviewed: with the roles cache's 1 s, a revocation ends it within 2 s. */
    private readonly recheckMs = 1_000,
  ) {}

  /**
   * `events` for `principal` reading `workspace`, ending with an `AccessEnded` item once the
   * principal may no longer read there or its token has expired.
   */
  guard<T>(
    principal: Principal,
    workspace: string,
    events: AsyncIterableIterator<T>,
  ): AsyncIterableIterator<T | AccessEnded> {
    if (!this.access.enabled) return events;
    const stream = new GuardedStream(events, () => this.watches.delete(watch));
    const watch: Watch = { principal, workspace, end: (error) => stream.end(error) };
    this.watches.add(watch);
    if (!this.timer) {
      this.timer = setInterval(() => void this.review(), this.recheckMs);
      this.timer.unref();
    }
    return stream;
  }

  private async review(): Promise<void> {
    if (this.watches.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.reviewing) return;
    this.reviewing = true;
    try {
      const now = Date.now();
      // Subscriptions of one connection share a principal; each workspace is asked about once.
      const verdicts = new Map<Principal, Map<string, Promise<EndOfAccess | undefined>>>();
      const verdict = (principal: Principal, workspace: string) => {
        let byWorkspace = verdicts.get(principal);
        if (!byWorkspace)
          verdicts.set(principal, (byWorkspace = new Map<string, Promise<EndOfAccess | undefined>>()));
        let answer = byWorkspace.get(workspace);
        if (!answer) byWorkspace.set(workspace, (answer = this.mayStillRead(principal, workspace, now)));
        return answer;
      };
      await Promise.all(
        [...this.watches].map(async (watch) => {
          const ended = await verdict(watch.principal, watch.workspace);
          if (ended) watch.end(ended);
        }),
      );
    } finally {
      this.reviewing = false;
    }
  }

  /** Why the principal's subscriptions in `workspace` must end now, or undefined. */
  private async mayStillRead(principal: Principal, workspace: string, now: number) {
    if (principal.expiresAt && principal.expiresAt.getTime() <= now) {
      return new AuthenticationError('expired');
    }
    try {
      await this.access.authorize(principal, workspace, 'jobs.read');
      return undefined;
    } catch (error) {
      if (error instanceof PermissionDeniedError) return error;
      // The roles cannot be read right now (the database is away): the next review asks again.
      return undefined;
    }
  }
}

/**
 * A stream that can be ended from outside while its consumer waits: the waiting `next()` gets
 * the `AccessEnded` item at once, and the source is let go. Not an async generator, whose
 * `return()` would wait for the pending `next()`.
 */
class GuardedStream<T> implements AsyncIterableIterator<T | AccessEnded> {
  private ended: AccessEnded | undefined;
  private finished = false;
  private pending: ((result: IteratorResult<T | AccessEnded>) => void) | undefined;

  constructor(
    private readonly source: AsyncIterableIterator<T>,
    private readonly onFinish: () => void,
  ) {}

  next(): Promise<IteratorResult<T | AccessEnded>> {
    if (this.finished) return Promise.resolve(DONE);
    if (this.ended) return Promise.resolve(this.deliverEnd(this.ended));
    return new Promise((resolve, reject) => {
      this.pending = resolve;
      this.source.next().then(
        (result) => {
          if (this.pending !== resolve) return; // ended meanwhile: that answer was given instead
          this.pending = undefined;
          if (result.done) this.finish();
          resolve(result);
        },
        (error: unknown) => {
          if (this.pending !== resolve) return;
          this.pending = undefined;
          this.finish();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  end(error: EndOfAccess): void {
    if (this.finished || this.ended) return;
    this.ended = new AccessEnded(error);
    const waiting = this.pending;
    this.pending = undefined;
    waiting?.(this.deliverEnd(this.ended));
  }

  return(): Promise<IteratorResult<T | AccessEnded>> {
    const waiting = this.pending;
    this.pending = undefined;
    waiting?.(DONE);
    this.finish();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private deliverEnd(ended: AccessEnded): IteratorResult<AccessEnded> {
    this.finish();
    return { value: ended, done: false };
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinish();
    void this.source.return?.().catch(() => undefined);
  }
}
