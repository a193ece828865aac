/** A small server-sent events client over fetch, for reading streams the way an EventSource would. */
import { Changes } from './wait.js';

export interface ServerSentEvent {
  /** `message` when the block named no event, as EventSource does. */
  event: string;
  data: string;
  id?: string;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** Dispatched events, in arrival order. */
  events: ServerSentEvent[];
  /** Comment lines (`: keep-alive` arrives as `keep-alive`). */
  comments: string[];
  /** The server ended the body. */
  readonly ended: boolean;
  /** Resolves once `predicate` holds, or rejects after `timeoutMs`. */
  until(predicate: (stream: EventStream) => boolean, timeoutMs?: number): Promise<void>;
  /** Disconnects, as a client closing the tab. */
  close(): void;
}

/** Splits SSE text into events and comments (the parsing rules of the HTML standard, minus `retry`). */
export class SSEParser {
  private buffer = '';
  private data: string[] | undefined;
  private event = '';
  private id: string | undefined;

  constructor(
    private readonly onEvent: (event: ServerSentEvent) => void,
    private readonly onComment: (comment: string) => void = () => {},
  ) {}

  push(text: string): void {
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return this.onComment(line.slice(1).trimStart());
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') (this.data ??= []).push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }

  private dispatch(): void {
    if (this.data !== undefined) {
      this.onEvent({
        event: this.event || 'message',
        data: this.data.join('\n'),
        ...(this.id ? { id: this.id } : {}),
      });
    }
    this.data = undefined;
    this.event = '';
    this.id = undefined;
  }
}

/** Opens `url` and parses its body as it arrives; non-2xx bodies are parsed too (and yield nothing). */
export async function openEventStream(url: string, init: RequestInit = {}): Promise<EventStream> {
  const abort = new AbortController();
  const headers = new Headers(init.headers);
  if (!headers.has('accept')) headers.set('accept', 'text/event-stream');
  const res = await fetch(url, { ...init, headers, signal: abort.signal });

  const changes = new Changes();
  let ended = false;
  const stream: EventStream = {
    status: res.status,
    headers: res.headers,
    events: [],
    comments: [],
    get ended() {
      return ended;
    },
    async until(predicate, timeoutMs = 5000) {
      await changes.until(
        () => predicate(stream) || undefined,
        timeoutMs,
        () => `ended=${ended} events ${JSON.stringify(stream.events)}`,
      );
    },
    close: () => abort.abort(),
  };

  const parser = new SSEParser(
    (event) => {
      stream.events.push(event);
      changes.notify();
    },
    (comment) => {
      stream.comments.push(comment);
      changes.notify();
    },
  );
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body ?? []) parser.push(decoder.decode(chunk, { stream: true }));
    } catch {
      // Aborted by close(): the stream is over either way.
    } finally {
      ended = true;
      changes.notify();
    }
  })();
  return stream;
}
