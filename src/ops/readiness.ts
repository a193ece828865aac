/** What "ready" means for a gateway process, as checks for `/readyz`. */
import type { DatabaseHandle } from '../db/client.js';
import { pendingMigrations } from '../db/migrate.js';
import { databaseUnavailable } from '../db/unavailable.js';
import type { StatusEventFeed } from '../events/feed.js';
import type { ReadinessCheck } from './probes.js';

/** Ready: the database answers and has every migration; the event feed runs (and listens, on PostgreSQL). */
export function readinessChecks(
  database: DatabaseHandle,
  feed: StatusEventFeed,
): Record<string, ReadinessCheck> {
  return {
    database: unlocated(() => database.ping()),
    migrations: unlocated(async () => {
      const pending = await pendingMigrations(database);
      if (pending > 0) throw new Error(`${pending} migration(s) not applied`);
    }),
    feed: unlocated(async () => {
      if (!feed.running) throw new Error('stopped');
      if (database.channel && !(await database.channel.isListening())) {
        throw new Error(
          'its listening connection is down; changes from other processes arrive by polling until it is back',
        );
      }
    }),
  };
}

/**
 * A probe's answer is public: a database that cannot be reached is "unavailable" with the driver's
 * error code, not its message, which names the database's host and port.
 */
function unlocated(check: ReadinessCheck): ReadinessCheck {
  return async () => {
    try {
      await check();
    } catch (error) {
      const unavailable = databaseUnavailable(error);
      throw unavailable ? new Error(`unavailable (${unavailable.reason})`) : error;
    }
  };
}
