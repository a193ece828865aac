/**
 * Limits on what one GraphQL document may ask for. The schema has cycles (a job's events each
 * have a job, which has events, …), so depth, aliases and size are bounded on every door: Yoga's
 * HTTP and SSE through plugins, graphql-ws through the same rules in ws.ts.
 */
import { maxAliasesPlugin, maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin, maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { specifiedRules } from 'graphql';

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
];

export const yogaLimitPlugins = [
  maxTokensPlugin({ n: DOCUMENT_LIMITS.tokens }),
  maxDepthPlugin({ n: DOCUMENT_LIMITS.depth }),
  maxAliasesPlugin({ n: DOCUMENT_LIMITS.aliases }),
];
