/**
 * Global object identification: `Node`, `node(id:)` and `nodes(ids:)`, so Relay and Apollo caches
 * can normalise jobs and steps by their `id`. A global id is opaque to clients (the type's name and
 * the platform's id, base64-encoded). A node the caller may not read is answered exactly as one
 * that does not exist, `null`, so an id tells nothing about another workspace.
 */
import { brandWithType } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { badArgument } from '../argument-errors.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { JobRef, JobStepRef } from './job.js';

/** Most ids one `nodes` call takes: each is loaded, batched, and checked. */
const MAX_NODES = 100;

const NodeRef = builder.nodeInterfaceRef();

type NodeId = { typename: string; id: string };

/** The global ids of an argument, decoded: a malformed one is the client's mistake, named. */
function decodeIds(field: string, argument: string, ids: readonly string[]): NodeId[] {
  return ids.map((id) => {
    try {
      return decodeGlobalID(id);
    } catch {
      throw badArgument(field, argument, `is not a global id of this API: "${id}".`);
    }
  });
}

/**
 * One node, or null when there is none or the caller may not read its workspace. Loads go through
 * the request's loaders, so the ids of one `nodes` call cost one statement per type.
 */
async function loadNode(context: GraphQLContext, { typename, id }: NodeId): Promise<object | null> {
  const jobs = JobRef.getDataloader(context);
  const readable = async (workspace: string) =>
    context.access.allows(context.principal, workspace, 'jobs.read');
  // A loader answers a missing id with an Error; for a node that is "no such node".
  const orNull = <T>(loading: Promise<T>) => loading.catch(() => null);
  if (typename === 'Job') {
    const job = await orNull(jobs.load(id));
    if (!job || !(await readable(job.workspace))) return null;
    brandWithType(job, JobRef);
    return job;
  }
  if (typename === 'JobStep') {
    const step = await orNull(JobStepRef.getDataloader(context).load(id));
    const job = step && (await orNull(jobs.load(step.jobId)));
    if (!step || !job || !(await readable(job.workspace))) return null;
    brandWithType(step, JobStepRef);
    return step;
  }
  return null;
}

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    description:
      'The job or step with this global id (the `id` of a `Job` or `JobStep`). Null when there is none, and when the caller may not read its workspace: the two are not told apart.',
    args: {
      id: t.arg.id({ required: true, description: 'A global id, as `Job.id` or `JobStep.id` gave it.' }),
    },
    resolve: (_, { id }, context) => loadNode(context, decodeIds('node', 'id', [String(id)])[0]!),
  }),
  nodes: t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    description: `The nodes with these global ids, in the order asked, loaded together (one statement per type). Each is null when there is none or the caller may not read it. At most ${MAX_NODES} ids.`,
    args: {
      ids: t.arg.idList({
        required: true,
        description: `Global ids, as \`Job.id\` or \`JobStep.id\` gave them; at most ${MAX_NODES}.`,
      }),
    },
    resolve: (_, { ids }, context) => {
      if (ids.length > MAX_NODES) throw badArgument('nodes', 'ids', `must hold at most ${MAX_NODES} ids.`);
      return decodeIds('nodes', 'ids', ids.map(String)).map((id) => loadNode(context, id));
    },
  }),
}));
