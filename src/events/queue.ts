/**
 * A bounded async queue: the feed pushes synchronously, one consumer pulls. A consumer that falls
 * too far behind is failed, so it knows to reconnect with its cursor, rather than losing events.
 * A queue told which item is its last (`endsAfter`) closes on taking it, and ends once that item
 * is pulled.
 */
export class SlowSubscriberError extends Error {
  constructor(limit: number) {
    super(`The subscriber fell more than ${limit} events behind; reconnect with its last cursor.`);
  }
}

interface Waiter<T> {
  resolve: (result: IteratorResult<T>) => void;
  reject: (error: Error) => void;
}

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private waiter: Waiter<T> | undefined;
  private failure: Error | undefined;
  private closed = false;

  constructor(
    private readonly limit: number,
    private readonly onClose: () => void = () => {},
    private readonly endsAfter?: (item: T) => boolean,
  ) {}

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve({ value: item, done: false });
    } else if (this.items.length >= this.limit) {
      this.fail(new SlowSubscriberError(this.limit));
    } else {
      this.items.push(item);
    }
    if (this.endsAfter?.(item)) this.close();
  }

  fail(error: Error): void {
    if (this.closed) return;
    this.failure = error;
    this.items = [];
    this.close();
    this.waiter?.reject(error);
    this.waiter = undefined;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.items = [];
    this.close();
    this.waiter?.resolve({ value: undefined, done: true });
    this.waiter = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}
