/**
 * A small typed GraphQL client for the gateway: queries and mutations over HTTP POST (fetch),
 * subscriptions over graphql-ws. Result and variable types come from the generated documents, so
 * `request(PauseJob, { workspace, name })` is checked against the schema at compile time.
 */
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './gql/graphql.js';

export interface GatewayConfig {
  /** The gateway's origin, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /**
   * `text` sends each document's text; `hash` sends only its hash
   * (`extensions.persistedQuery.sha256Hash`), for a gateway that accepts the documents of
   * src/gql/persisted-documents.json only.
   */
  documents: 'text' | 'hash';
  /** A bearer token, when the gateway checks access. */
  token?: string;
}

interface GraphQLResult<T> {
  data?: T | null;
  errors?: readonly { message: string; extensions?: { code?: string } }[];
}

/** A request the gateway answered with errors instead of data (bad input, access, unavailable). */
export class GatewayError extends Error {}

function payload<R, V>(document: TypedDocumentString<R, V>, variables: V, config: GatewayConfig) {
  const hash = document.__meta__?.hash as string | undefined;
  if (config.documents === 'hash' && hash) {
    return { variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
  }
  return { query: document.toString(), variables };
}

function describe(errors: GraphQLResult<unknown>['errors']): string {
  return (errors ?? []).map((error) => error.message).join('; ');
}

export interface GatewayClient {
  request<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R>;
  /** Starts a subscription; the returned function ends it. */
  subscribe<R, V>(
    document: TypedDocumentString<R, V>,
    variables: V,
    handlers: { next(data: R): void; error(message: string): void; complete?(): void },
  ): () => void;
}

export function createGatewayClient(config: GatewayConfig): GatewayClient {
  const endpoint = new URL('/graphql', config.url);
  const authorization: Record<string, string> = config.token
    ? { Authorization: `Bearer ${config.token}` }
    : {};
  const wsEndpoint = new URL(endpoint);
  wsEndpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
  // One socket for every subscription of the page, opened with the first and closed after the last.
  const ws: Client = createClient({
    url: wsEndpoint.toString(),
    lazy: true,
    connectionParams: authorization,
    // After a reconnect each subscription starts again; jobStatus answers the current status
    // first, so the page catches up with whatever it missed.
    retryAttempts: 5,
  });

  return {
    async request<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...authorization,
        },
        body: JSON.stringify(payload(document, variables, config)),
      });
      const result = (await response.json()) as GraphQLResult<R>;
      if (result.errors?.length || !result.data) {
        throw new GatewayError(describe(result.errors) || `The gateway answered HTTP ${response.status}.`);
      }
      return result.data;
    },
    subscribe<R, V>(
      document: TypedDocumentString<R, V>,
      variables: V,
      handlers: { next(data: R): void; error(message: string): void; complete?(): void },
    ) {
      const query = payload(document, variables, config);
      return ws.subscribe<R>(
        // graphql-ws requires a query string; with only a hash it is empty.
        { query: '', ...query, variables: variables as Record<string, unknown> },
        {
          next: (result) => {
            if (result.errors?.length) handlers.error(describe(result.errors));
            else if (result.data) handlers.next(result.data);
          },
          error: (error) => handlers.error(socketError(error)),
          complete: () => handlers.complete?.(),
        },
      );
    },
  };
}

/** graphql-ws reports a closed socket as a CloseEvent, and GraphQL errors as an array. */
function socketError(error: unknown): string {
  if (Array.isArray(error)) return describe(error as GraphQLResult<unknown>['errors']);
  if (error instanceof CloseEvent)
    return `The connection closed (${error.code}${error.reason ? `: ${error.reason}` : ''}).`;
  if (error instanceof Error) return error.message;
  return 'The connection to the gateway failed.';
}
