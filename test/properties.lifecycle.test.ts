/**
 * The lifecycle under random use. fast-check generates sequences of create, pause, resume, cancel,
 * delete, step-status reports (as an external controller sends them) and reads, for several
 * clients at once against the real gateway, and each run then checks the recorded history against
 * the lifecycle rules and against every answer a client received (test/support/job-history.ts).
 * A failure prints fast-check's seed and path: FC_SEED=… FC_PATH=… replays it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JobStatus } from '../src/jobs/lifecycle.js';
import { databaseKinds } from './support/databases.js';
import { jobWithSteps, uniqueWorkspace } from './support/fixtures.js';
import { gql, http, JOBS, useGateway } from './support/gateway.js';
import {
  historyProblems,
  jobTransitions,
  readWorkspace,
  type HistoryClaims,
  type WorkspaceState,
} from './support/job-history.js';
import { propertyOptions, propertyTimeoutMs } from './support/properties.js';

/** Few names, so that clients collide on the same jobs, and names are deleted and created again. */
const JOB_NAMES = ['alpha', 'beta'] as const;
const STEP_NAMES = ['step-a', 'step-b'] as const;

type Command =
  | { kind: 'create'; job: string; steps: 1 | 2 }
  | { kind: 'pause' | 'resume' | 'cancel' | 'delete' | 'read'; job: string }
  | { kind: 'step'; job: string; step: string; status: JobStatus };

const jobName = fc.constantFrom(...JOB_NAMES);
const weighted = <T>(...choices: [T, number][]) =>
  fc.oneof(...choices.map(([value, weight]) => ({ weight, arbitrary: fc.constant(value) })));
/**
 * Mostly what a controller reports while a job runs, and a user who pauses and resumes more than
 * they cancel, so that histories get long before a job ends (then nearly everything is a 409).
 */
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      job: jobName,
      steps: fc.constantFrom(1 as const, 2 as const),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: weighted<'pause' | 'resume' | 'cancel' | 'delete' | 'read'>(
        ['pause', 3],
        ['resume', 3],
        ['cancel', 1],
        ['delete', 1],
        ['read', 2],
      ),
      job: jobName,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('step' as const),
      job: jobName,
      step: weighted<string>(['step-a', 3], ['step-b', 1]),
      status: weighted<JobStatus>(
        ['active', 4],
        ['paused', 3],
        ['pending', 2],
        ['completed', 2],
        ['pausing', 1],
        ['resuming', 1],
        ['cancelling', 1],
        ['cancelled', 1],
        ['error', 1],
        ['created', 1],
      ),
    }),
  },
);

/** The jobs a run starts with (their number of steps), so that clients find work from the start. */
const startingJobs = fc.array(fc.constantFrom(1 as const, 2 as const), {
  minLength: JOB_NAMES.length,
  maxLength: JOB_NAMES.length,
});

/** The answers each kind of request may get for a well-formed request: anything else fails the run. */
const EXPECTED_STATUSES: Record<Command['kind'], number[]> = {
  create: [201, 409],
  pause: [200, 404, 409],
  resume: [200, 404, 409],
  cancel: [200, 404, 409],
  delete: [204, 404, 409],
  read: [200, 404],
  step: [200, 404, 409],
};

const describeCommand = (c: Command) =>
  c.kind === 'step'
    ? `${c.job}/${c.step} → ${c.status}`
    : `${c.kind} ${c.job}${c.kind === 'create' ? ` (${c.steps} steps)` : ''}`;

function send(base: string, workspace: string, c: Command) {
  const job = `${JOBS}/workspaces/${workspace}/jobs`;
  switch (c.kind) {
    case 'create':
      return http(base, 'POST', job, jobWithSteps(c.job, c.steps));
    case 'delete':
      return http(base, 'DELETE', `${job}/${c.job}`);
    case 'read':
      return http(base, 'GET', `${job}/${c.job}/status`);
    case 'step':
      return http(base, 'PATCH', `${job}/${c.job}/steps/${c.step}/status`, { status: c.status });
    default:
      return http(base, 'POST', `${job}/${c.job}/${c.kind}`);
  }
}

interface Answer {
  client: number;
  command: Command;
  status: number;
  body: any;
}

/** Turns the answers into what they claim about the history (see HistoryClaims). */
function claimsOf(answers: Answer[]): HistoryClaims {
  const claims: HistoryClaims = { created: [], deleted: [], observations: [] };
  const stepsOf = new Map<string, number>();
  for (const { client, command: c, status, body } of answers) {
    if (status >= 300) continue;
    const what = describeCommand(c);
    switch (c.kind) {
      case 'create':
        claims.created.push(body.id);
        stepsOf.set(body.id, c.steps);
        claims.observations.push({ client, jobId: body.id, status: 'created', what, change: false });
        break;
      case 'delete':
        claims.deleted.push(c.job);
        break;
      case 'step':
        // A job of one step has that step's status; of several, the answer alone does not say.
        claims.observations.push({
          client,
          jobId: body.job_id,
          status: stepsOf.get(body.job_id) === 1 ? body.status : undefined,
          what,
          change: true,
        });
        break;
      default:
        claims.observations.push({
          client,
          jobId: body.id,
          status: body.status,
          what,
          change: c.kind !== 'read',
        });
    }
  }
  return claims;
}

const JOBS_AS_SEEN = /* GraphQL */ `
  query Seen($workspace: String!) {
    jobs(workspace: $workspace, first: 100) {
      nodes {
        jobId
        status
        steps {
          name
          status
        }
        events(first: 500) {
          nodes {
            status
            previousStatus
          }
        }
      }
    }
  }
`;

/** What a user reading the API sees must be what the database holds. */
async function checkApiAgrees(base: string, workspace: string, state: WorkspaceState) {
  const seen = await gql<any>(base, JOBS_AS_SEEN, { workspace });
  const nodes: any[] = seen.data.jobs.nodes;
  expect(nodes.map((n) => n.jobId).sort()).toEqual(state.jobs.map((j) => j.id).sort());
  for (const node of nodes) {
    const events = state.events.filter((e) => e.jobId === node.jobId);
    expect(node.events.nodes).toEqual(
      events.map((e) => ({
        status: e.status.toUpperCase(),
        previousStatus: e.previousStatus?.toUpperCase() ?? null,
      })),
    );
    const steps = state.steps.filter((s) => s.jobId === node.jobId);
    expect(node.steps).toEqual(steps.map((s) => ({ name: s.name, status: s.status.toUpperCase() })));
    const name = state.jobs.find((j) => j.id === node.jobId)!.name;
    const tree = await http(base, 'GET', `${JOBS}/workspaces/${workspace}/jobs/${name}/status`);
    expect(tree.status).toBe(200);
    expect({ status: tree.body.status, steps: tree.body.steps.map((s: any) => s.status) }).toEqual({
      status: node.status.toLowerCase(),
      steps: steps.map((s) => s.status),
    });
  }
}

/** Snapshot of what a refused request must leave alone: rows (with their update times) and events. */
const snapshot = (state: WorkspaceState) => JSON.stringify(state);

const creates = (steps: (1 | 2)[]): Command[] =>
  steps.map((n, i) => ({ kind: 'create', job: JOB_NAMES[i], steps: n }));

describe.each(databaseKinds)('the lifecycle under random use, on $name', (kind) => {
  const suite = useGateway(kind, { executor: false });
  const transitions = jobTransitions(STEP_NAMES.length);

  /** One client's requests, one after the other; an answer no well-formed request may get fails the run. */
  async function runClient(workspace: string, client: number, commands: Command[]) {
    const received: Answer[] = [];
    for (const c of commands) {
      const res = await send(suite.base, workspace, c);
      if (!EXPECTED_STATUSES[c.kind].includes(res.status)) {
        throw new Error(`client ${client}: ${describeCommand(c)} answered ${res.status} ${res.text}`);
      }
      received.push({ client, command: c, status: res.status, body: res.body });
    }
    return received;
  }

  it(
    'keeps a history of lifecycle transitions that agrees with every answer, with clients at once',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          startingJobs,
          fc.array(fc.array(command, { minLength: 1, maxLength: 15 }), { minLength: 2, maxLength: 4 }),
          async (starting, clients) => {
            const workspace = uniqueWorkspace('prop');
            const setup = await runClient(workspace, clients.length, creates(starting));
            const answers = await Promise.all(
              clients.map((commands, i) => runClient(workspace, i, commands)),
            );
            const state = await readWorkspace(suite.server.gateway.database.db, workspace);
            const problems = historyProblems(state, claimsOf([...setup, ...answers.flat()]), transitions);
            if (problems.length > 0) {
              const told = answers.map((a) => a.map((x) => `${describeCommand(x.command)}: ${x.status}`));
              throw new Error(`${problems.join('\n')}\nanswers per client: ${JSON.stringify(told)}`);
            }
            await checkApiAgrees(suite.base, workspace, state);
          },
        ),
        propertyOptions(40),
      );
    },
    propertyTimeoutMs(40),
  );

  it(
    'changes nothing on a refused request, and answers the state it leaves, one request at a time',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          startingJobs,
          fc.array(command, { minLength: 1, maxLength: 30 }),
          async (starting, commands) => {
            const workspace = uniqueWorkspace('prop');
            const db = suite.server.gateway.database.db;
            const answers = await runClient(workspace, 0, creates(starting));
            let before = await readWorkspace(db, workspace);
            for (const c of commands) {
              const [answer] = await runClient(workspace, 0, [c]);
              answers.push(answer);
              const after = await readWorkspace(db, workspace);
              const what = `${describeCommand(c)} answered ${answer.status}`;
              if (answer.status >= 400) {
                expect(snapshot(after), what).toBe(snapshot(before));
              } else if (c.kind === 'step') {
                const step = after.steps.find((s) => s.jobId === answer.body.job_id && s.name === c.step);
                expect(step?.status, what).toBe(answer.body.status);
              } else if (c.kind !== 'delete') {
                expect(after.jobs.find((j) => j.id === answer.body.id)?.status, what).toBe(
                  answer.body.status,
                );
              }
              before = after;
            }
            expect(historyProblems(before, claimsOf(answers), transitions)).toEqual([]);
          },
        ),
        propertyOptions(25),
      );
    },
    propertyTimeoutMs(25),
  );
});
