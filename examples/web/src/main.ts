/**
 * The page: the jobs of one workspace with their status, a Pause button per job whose typed result
 * is shown as it comes, and the live status of the job being watched (graphql-ws `jobStatus`).
 *
 * Configuration is the page's query string, so the same files can be served from any origin:
 * `?gateway=http://127.0.0.1:8080&workspace=default` (these are the defaults), and
 * `&documents=hash` to send document hashes instead of texts. The gateway must list the page's
 * origin in CORS_ORIGINS.
 */
import { createGatewayClient } from './client.js';
import type { JobStatus as Status, PauseJobMutation } from './gql/graphql.js';
import { JobStatus, PauseJob, WorkspaceJobs } from './operations.js';

const params = new URLSearchParams(location.search);
const workspace = params.get('workspace') ?? 'default';
const gateway = createGatewayClient({
  url: params.get('gateway') ?? 'http://127.0.0.1:8080',
  documents: params.get('documents') === 'hash' ? 'hash' : 'text',
});

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`The page lacks ${selector}`);
  return found;
}

const rows = element<HTMLTableSectionElement>('#jobs tbody');
const summary = element('#summary');
const result = element('#result');
const live = {
  name: element('#live-name'),
  status: element('#live-status'),
  events: element('#live-events'),
};

function show(target: HTMLElement, kind: string, text: string) {
  target.dataset.kind = kind;
  target.textContent = text;
}

function failure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The status cell of a job's row, when the job is listed. */
function statusCell(name: string): HTMLElement | undefined {
  return (
    [...rows.querySelectorAll<HTMLTableRowElement>('tr')]
      .find((row) => row.dataset.job === name)
      ?.querySelector<HTMLElement>('.status') ?? undefined
  );
}

function setStatus(name: string, status: Status) {
  const cell = statusCell(name);
  if (cell) cell.textContent = status;
}

async function loadJobs() {
  show(summary, 'loading', `Loading the jobs of ${workspace}…`);
  try {
    const { jobs } = await gateway.request(WorkspaceJobs, { workspace });
    rows.replaceChildren(
      ...jobs.nodes.map((job) => {
        const row = document.createElement('tr');
        row.dataset.job = job.name;
        const name = document.createElement('td');
        name.className = 'name';
        name.textContent = job.name;
        const status = document.createElement('td');
        status.className = 'status';
        status.textContent = job.status;
        const actions = document.createElement('td');
        actions.append(
          button('Pause', () => void pause(job.name)),
          button('Watch', () => watch(job.name)),
        );
        row.append(name, status, actions);
        return row;
      }),
    );
    show(summary, 'loaded', `${jobs.totalCount} job(s) in ${workspace}`);
  } catch (error) {
    show(summary, 'error', `Could not list the jobs: ${failure(error)}`);
  }
}

function button(label: string, onClick: () => void): HTMLButtonElement {
  const made = document.createElement('button');
  made.type = 'button';
  made.textContent = label;
  made.addEventListener('click', onClick);
  return made;
}

/** What a pause's typed result says, one case per member of the PauseJobResult union. */
function describePause(outcome: PauseJobMutation['pauseJob']): string {
  switch (outcome.__typename) {
    case 'PauseJobSuccess':
      return `Pause requested: ${outcome.job.name} is ${outcome.job.status}.`;
    case 'JobStateConflictError':
      return `${outcome.message} (status ${outcome.status})`;
    case 'JobNotFoundError':
      return outcome.message;
    case 'NotAuthorizedError':
      return `${outcome.message} (${outcome.reason})`;
  }
}

async function pause(name: string) {
  watch(name);
  try {
    const { pauseJob } = await gateway.request(PauseJob, { workspace, name });
    show(result, pauseJob.__typename, describePause(pauseJob));
    if (pauseJob.__typename === 'PauseJobSuccess') setStatus(name, pauseJob.job.status);
  } catch (error) {
    show(result, 'error', `The pause failed: ${failure(error)}`);
  }
}

let stopWatching: (() => void) | undefined;

/** Follows one job's status live: its current status first, then every change. */
function watch(name: string) {
  if (live.name.textContent === name && stopWatching) return;
  stopWatching?.();
  live.name.textContent = name;
  show(live.status, 'waiting', '…');
  live.events.replaceChildren();
  stopWatching = gateway.subscribe(
    JobStatus,
    { workspace, name },
    {
      next: ({ jobStatus: event }) => {
        show(live.status, 'status', event.status);
        setStatus(name, event.status);
        const item = document.createElement('li');
        item.textContent = event.previousStatus
          ? `${event.previousStatus} → ${event.status} at ${event.occurredAt as string}`
          : `${event.status} since ${event.occurredAt as string}`;
        live.events.append(item);
      },
      error: (message) => show(live.status, 'error', message),
      complete: () => {
        stopWatching = undefined;
      },
    },
  );
}

element('#workspace').textContent = workspace;
element('#refresh').addEventListener('click', () => void loadJobs());
void loadJobs();
