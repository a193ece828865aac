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
import './members.js';
import './node.js';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const schema = builder.toSchema({ sortSchema: false });
