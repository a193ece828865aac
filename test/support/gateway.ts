/** Starts the real gateway on a free port and gives tests small real clients for it. */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server.js';
import type { DatabaseKind, TestDatabase } from './databases.js';
import { Changes } from './wait.js';

export interface RunningGateway {
  gateway: Gateway;
  url: string;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const gateway = await createGateway(options);
  const { url } = await gateway.listen(0);
  return { gateway, url, close: () => gateway.close() };
}

export const JOBS = '/apis/jobs/v2';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A REST call: JSON in (when given), parsed JSON out (when there is any). */
export async function http<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** A GraphQL operation over HTTP POST. */
export async function gql<T = any>(base: string, query: string, variables?: Record<string, unknown>) {
  const res = await http<{ data?: T; errors?: { message: string }[] }>(base, 'POST', '/graphql', {
    query,
    variables,
  });
  return res.body;
}

export function wsClient(base: string, options: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  return createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...options,
  });
}

/** Collects a subscription's results and errors, and whether it completed. */
export function subscribe<T = any>(client: Client, query: string, variables: Record<string, unknown>) {
  const received: T[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const changes = new Changes();
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) received.push(value.data);
        changes.notify();
      },
      error: (error) => {
        errors.push(error);
        completed = true;
        changes.notify();
      },
      complete: () => {
        completed = true;
        changes.notify();
      },
    },
  );
  return {
    received,
    errors,
    get completed() {
      return completed;
    },
    dispose,
    /** Resolves once `predicate` holds, or rejects after `timeoutMs`. */
    async until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
      await changes.until(
        () => predicate() || undefined,
        timeoutMs,
        () => `received ${JSON.stringify(received)} errors ${JSON.stringify(errors)}`,
      );
    },
  };
}

/**
 * One gateway over a fresh database of `kind` for the enclosing describe block. Read its fields
 * inside tests and hooks (they are set in beforeAll).
 */
export function useGateway(
  kind: DatabaseKind,
  options: Omit<GatewayOptions, 'databaseUrl' | 'dataDir'> = {},
) {
  const suite = {} as { database: TestDatabase; server: RunningGateway; base: string };
  beforeAll(async () => {
    suite.database = await kind.create();
    suite.server = await startGateway({ ...suite.database.options, ...options });
    suite.base = suite.server.url;
  });
  afterAll(async () => {
    await suite.server?.close();
    await suite.database?.drop();
  });
  return suite;
}
