/**
 * A position in the status event log: the writing transaction's id, then the event's id.
 * Events are read in that order, and only below the oldest still-running transaction, so a
 * position once passed never gets a new event behind it.
 */
export interface Cursor {
  xid: string;
  id: number;
}

export const START: Cursor = { xid: '0', id: 0 };

export const encodeCursor = (c: Cursor) => `${c.xid}-${c.id}`;

export class InvalidCursorError extends Error {
  constructor(readonly cursor: string) {
    super(`Invalid cursor '${cursor}'.`);
  }
}

export function decodeCursor(text: string): Cursor {
  const match = /^(\d{1,20})-(\d{1,15})$/.exec(text);
  if (!match) throw new InvalidCursorError(text);
  return { xid: match[1]!, id: Number(match[2]) };
}

export function compareCursors(a: Cursor, b: Cursor): number {
  if (a.xid !== b.xid) {
    return BigInt(a.xid) < BigInt(b.xid) ? -1 : 1;
  }
  return a.id - b.id;
}
