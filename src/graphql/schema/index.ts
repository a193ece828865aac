/** Imports every type file and builds the schema. Nothing imports this file but the server. */
import { builder } from '../builder.js';
import './scalars.js';
import './enums.js';
import './errors.js';
import './job-spec.js';
import './job.js';
import './job-mutations.js';
import './job-status-event.js';
import './job-logs.js';
import './job-artifacts.js';
import './members.js';
import './node.js';

builder.queryType({
  description: 'Reads: jobs and their history and logs, workspace members, and any object by its global id.',
});
builder.mutationType({
  description:
    'Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all).',
});
builder.subscriptionType({
  description:
    'Live streams over graphql-ws (`/graphql`, subprotocol graphql-transport-ws) or SSE (POST `/graphql` with `Accept: text/event-stream`). Each replays from a cursor first when given one, and ends with a FORBIDDEN error when the caller loses read access.',
});

export const schema = builder.toSchema({ sortSchema: false });
