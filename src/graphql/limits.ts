/**
 * Limits on what one GraphQL request may send and ask for. Bodies are bounded as on REST. The
 * database's limits on text are checked as arguments (storable-input.ts). The schema has cycles (a job's events each
 * have a job, which has events, …), so depth, aliases and size are bounded on every door: Yoga's
 * HTTP and SSE through plugins, graphql-ws through the same rules in ws.ts.
 */
import { maxAliasesPlugin, maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin, maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { specifiedRules } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_BODY_BYTES } from '../support/request-limits.js';
import { storableInputPlugin, storableLiteralsRule } from './storable-input.js';

export const DOCUMENT_LIMITS = {
  /** Deep enough for a page of jobs with their steps' executors and each event's job. */
  depth: 12,
  aliases: 20,
  /** Lexical tokens in one document (graphql-js stops parsing beyond them). */
  tokens: 2000,
};

/** For graphql-js `parse` and `validate` where Yoga is not in the way. */
export const parseOptions = { maxTokens: DOCUMENT_LIMITS.tokens };
export const validationRules = [
  ...specifiedRules,
  maxDepthRule({ n: DOCUMENT_LIMITS.depth }),
  maxAliasesRule({ n: DOCUMENT_LIMITS.aliases }),
  storableLiteralsRule,
];

const refusal = (status: number, message: string, code: string) =>
  new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    // The unread body is still on the socket: close it rather than reuse it.
    headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' },
  });

/**
 * Decided from `Content-Length` before anything is read, which costs nothing per request. A body
 * without one (chunked) is refused with 411: every GraphQL client sends the length.
 */
const bodyLimitPlugin: Plugin = {
  onRequest: (payload) => {
    const { request } = payload;
    const length = request.headers.get('content-length');
    if (length !== null) {
      if (Number(length) > MAX_BODY_BYTES) {
        payload.endResponse(
          refusal(413, `Request body is larger than ${MAX_BODY_BYTES} bytes.`, 'PAYLOAD_TOO_LARGE'),
        );
      }
    } else if (request.headers.has('transfer-encoding')) {
      payload.endResponse(refusal(411, 'Send the request body with a Content-Length.', 'LENGTH_REQUIRED'));
    }
  },
};

export const yogaLimitPlugins: Plugin[] = [
  bodyLimitPlugin,
  storableInputPlugin,
  maxTokensPlugin({ n: DOCUMENT_LIMITS.tokens }),
  maxDepthPlugin({ n: DOCUMENT_LIMITS.depth }),
  maxAliasesPlugin({ n: DOCUMENT_LIMITS.aliases }),
];
