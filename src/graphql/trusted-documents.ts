/**
 * Trusted documents: operations known in advance, sent by their hash instead of their text. The
 * documents come from a manifest in the format of graphql-codegen's client preset
 * (`persisted-documents.json`: `{ "<hash>": "<document>" }`), and a client names one by
 *   - `documentId` beside `variables` (what the client preset's `persistedDocuments` option is
 *     used with: the hash from the generated document's `__meta__.hash`), in a POST body or a
 *     GET's query string, or
 *   - `extensions.persistedQuery.sha256Hash` (with `version: 1`), as Apollo's persisted-query link
 *     sends it.
 * Modes: `off` (documents as text only; ids are not looked at), `allow` (text or an id), `only`
 * (an id; text is refused). This module is the one rule: Yoga's persisted-operations plugin and
 * the graphql-ws door both decide through `TrustedDocuments`.
 */
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { TrustedDocumentsMode } from '../env.js';

/** What a request carries of its document, over HTTP (body or query string) and graphql-ws. */
export interface OperationParams {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

/** The document to run, or why none runs. */
export type TrustedDecision = { query: string } | { refusal: GraphQLError };

const refusal = (message: string, code: string) =>
  new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

export const refusals = {
  textRefused: () =>
    refusal(
      'This server runs trusted documents only: send the document’s hash as `documentId` (or `extensions.persistedQuery.sha256Hash`), not its text.',
      'TRUSTED_DOCUMENTS_ONLY',
    ),
  noDocument: () =>
    refusal(
      'No document: send its text as `query`, or its hash as `documentId` (or `extensions.persistedQuery.sha256Hash`).',
      'BAD_REQUEST',
    ),
  unknownId: (id: string) => refusal(`No trusted document has the id "${id}".`, 'PERSISTED_QUERY_NOT_FOUND'),
};

/** The manifest's documents by id; a file that is not such a manifest is refused, saying why. */
export function readManifest(path: string): Map<string, string> {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('expected a JSON object of document hashes to documents');
  }
  const documents = new Map<string, string>();
  for (const [id, document] of Object.entries(parsed)) {
    if (typeof document !== 'string') throw new Error(`the document of "${id}" is not a string`);
    documents.set(id, document);
  }
  return documents;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object';

export class TrustedDocuments {
  constructor(
    readonly mode: TrustedDocumentsMode,
    private readonly documents: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** The document id a request names, if any. */
  idOf(params: OperationParams): string | undefined {
    if (typeof params.documentId === 'string' && params.documentId) return params.documentId;
    const persisted = isObject(params.extensions) ? params.extensions.persistedQuery : undefined;
    if (isObject(persisted) && persisted.version === 1 && typeof persisted.sha256Hash === 'string') {
      return persisted.sha256Hash;
    }
    return undefined;
  }

  documentOf(id: string): string | undefined {
    return this.documents.get(id);
  }

  /** Whether a document sent as text may run. */
  get acceptsText(): boolean {
    return this.mode !== 'only';
  }

  /** The rule for one operation, for doors that do not go through Yoga (graphql-ws). */
  resolve(params: OperationParams): TrustedDecision {
    const text = typeof params.query === 'string' && params.query !== '' ? params.query : undefined;
    // Off: the document is the text, as it always was (an empty one fails to parse as usual).
    if (this.mode === 'off') return { query: typeof params.query === 'string' ? params.query : '' };
    if (text) return this.acceptsText ? { query: text } : { refusal: refusals.textRefused() };
    const id = this.idOf(params);
    if (!id) return { refusal: refusals.noDocument() };
    const document = this.documentOf(id);
    return document ? { query: document } : { refusal: refusals.unknownId(id) };
  }

  /** The same rule in Yoga (HTTP and GraphQL over SSE); none with the mode off. */
  yogaPlugins(): Plugin[] {
    if (this.mode === 'off') return [];
    const plugin = usePersistedOperations({
      allowArbitraryOperations: this.acceptsText,
      // A GET names it in the query string, which Yoga's parameters leave out.
      extractPersistedOperationId: (params, request) =>
        this.idOf(params as OperationParams) ??
        (request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : null),
      getPersistedOperation: (id) => this.documentOf(id) ?? null,
      customErrors: {
        persistedQueryOnly: () => refusals.textRefused(),
        keyNotFound: () => refusals.noDocument(),
        notFound: ({ params }) => refusals.unknownId(this.idOf(params as OperationParams) ?? ''),
      },
    });
    return [plugin as Plugin];
  }
}

export const TRUSTED_DOCUMENTS_OFF = new TrustedDocuments('off');
