/* eslint-disable */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar. */
  DateTime: { input: any; output: any; }
  /** The `JSON` scalar type represents JSON values as specified by [ECMA-404](http://www.ecma-international.org/publications/files/ECMA-ST/ECMA-404.pdf). */
  JSON: { input: any; output: any; }
};

/** The new member, or why not: it is one already, the input is invalid, or the caller may not manage members. */
export type AddWorkspaceMemberResult = AddWorkspaceMemberSuccess | MemberAlreadyExistsError | NotAuthorizedError | ValidationError;

/** The member was added. */
export type AddWorkspaceMemberSuccess = {
  __typename?: 'AddWorkspaceMemberSuccess';
  /** The member as added. */
  member: WorkspaceMember;
};

/** The job after cancelJob, or why not: no such job, its status does not allow it, or the caller may not. */
export type CancelJobResult = CancelJobSuccess | JobNotFoundError | JobStateConflictError | NotAuthorizedError;

/** The cancel was accepted (or was already under way). */
export type CancelJobSuccess = {
  __typename?: 'CancelJobSuccess';
  /** The job after the change (or as it was, when nothing changed). */
  job: Job;
};

/** An amount of CPU and memory. */
export type ComputeResourceSpec = {
  __typename?: 'ComputeResourceSpec';
  /** CPU cores, in Kubernetes quantity notation (`500m` = half a core, `2`); null when not set. */
  cpu?: Maybe<Scalars['String']['output']>;
  /** Memory, in Kubernetes quantity notation (`512Mi`, `2Gi`); null when not set. */
  memory?: Maybe<Scalars['String']['output']>;
};

/** An amount of CPU and memory; a field left out is not set. */
export type ComputeResourceSpecInput = {
  /** CPU cores, in Kubernetes quantity notation (`500m` = half a core, `2`); null when not set. */
  cpu?: InputMaybe<Scalars['String']['input']>;
  /** Memory, in Kubernetes quantity notation (`512Mi`, `2Gi`); null when not set. */
  memory?: InputMaybe<Scalars['String']['input']>;
};

/** What a container step asks of the cluster. */
export type ComputeResources = {
  __typename?: 'ComputeResources';
  /** The most the step may use; null when not set. */
  limits?: Maybe<ComputeResourceSpec>;
  /** GPUs per node; null when not set. */
  numGpus?: Maybe<Scalars['Int']['output']>;
  /** How many nodes run the step (more than 1 only for GPU_DISTRIBUTED); 1 by default. */
  numNodes: Scalars['Int']['output'];
  /** What the step is guaranteed; null when not set. */
  requests?: Maybe<ComputeResourceSpec>;
  /** Size of the shared memory (`/dev/shm`), e.g. `1Gi`; null when not set. */
  shmSize?: Maybe<Scalars['String']['output']>;
};

/** What a container step asks of the cluster. */
export type ComputeResourcesInput = {
  /** The most the step may use; null when not set. */
  limits?: InputMaybe<ComputeResourceSpecInput>;
  /** GPUs per node; null when not set. */
  numGpus?: InputMaybe<Scalars['Int']['input']>;
  /** How many nodes run the step (more than 1 only for GPU_DISTRIBUTED); 1 by default. */
  numNodes?: InputMaybe<Scalars['Int']['input']>;
  /** What the step is guaranteed; null when not set. */
  requests?: InputMaybe<ComputeResourceSpecInput>;
  /** Size of the shared memory (`/dev/shm`), e.g. `1Gi`; null when not set. */
  shmSize?: InputMaybe<Scalars['String']['input']>;
};

/** Runs the step in a container on CPU, GPU or distributed GPU nodes. */
export type ContainerExecutor = Executor & {
  __typename?: 'ContainerExecutor';
  /** The container to run. */
  container: ContainerSpec;
  /** The execution profile of that provider the step runs under (`default` unless chosen). */
  profile: Scalars['String']['output'];
  /** What runs the step. */
  provider: ExecutorProvider;
  /** What it asks of the cluster; null when nothing was asked. */
  resources?: Maybe<ComputeResources>;
};

/** The container a step runs in. */
export type ContainerSpec = {
  __typename?: 'ContainerSpec';
  /** Replaces the image’s command (its arguments); null keeps it. */
  command?: Maybe<Array<Scalars['String']['output']>>;
  /** Replaces the image’s entrypoint; null keeps it. */
  entrypoint?: Maybe<Array<Scalars['String']['output']>>;
  /** The container image, e.g. `nvcr.io/nvidia/nemo:24.05`. */
  image: Scalars['String']['output'];
};

/** The container a step runs in. */
export type ContainerSpecInput = {
  /** Replaces the image’s command (its arguments); null keeps it. */
  command?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Replaces the image’s entrypoint; null keeps it. */
  entrypoint?: InputMaybe<Array<Scalars['String']['input']>>;
  /** The container image, e.g. `nvcr.io/nvidia/nemo:24.05`. */
  image: Scalars['String']['input'];
};

/** A new job; free-form fields (`spec`, `ownership`, `customFields`, step `config`) keep their keys as sent. */
export type CreateJobInput = {
  /** Fields of your own, free-form. */
  customFields?: InputMaybe<Scalars['JSON']['input']>;
  /** Free text about the job. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** Generated from `source` when not given. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** Who owns it, free-form; with access control on, `created_by` is set to the caller. */
  ownership?: InputMaybe<Scalars['JSON']['input']>;
  /** Its steps. */
  platformSpec: JobSpecInput;
  /** The project to file it under. */
  project?: InputMaybe<Scalars['String']['input']>;
  /** Where the job comes from (a repository, a tool, `ui`). */
  source: Scalars['String']['input'];
  /** The job’s own configuration, free-form (`{}` for none). */
  spec: Scalars['JSON']['input'];
};

/** The created job, or why not: the name is taken, the input is invalid (every issue listed), or the caller may not create it. */
export type CreateJobResult = CreateJobSuccess | JobAlreadyExistsError | NotAuthorizedError | ValidationError;

/** The job was created. */
export type CreateJobSuccess = {
  __typename?: 'CreateJobSuccess';
  /** The job as created (status CREATED). */
  job: Job;
};

/** The deleted job, or why not: no such job, it has not ended yet, or the caller may not delete it. */
export type DeleteJobResult = DeleteJobSuccess | JobNotFoundError | JobStateConflictError | NotAuthorizedError;

/** The job was deleted. */
export type DeleteJobSuccess = {
  __typename?: 'DeleteJobSuccess';
  /** Which job was deleted. */
  deletedJob: DeletedJob;
};

/** A job that was deleted: its name is free again; its status history stays for replaying watchers. */
export type DeletedJob = {
  __typename?: 'DeletedJob';
  /** The name it had. */
  name: Scalars['String']['output'];
  /** The workspace it was in. */
  workspace: Scalars['String']['output'];
};

/** An environment variable of a step: a value, or a secret to read it from. */
export type EnvironmentVariable = {
  __typename?: 'EnvironmentVariable';
  /** The secret its value comes from; null when the value is given. */
  fromSecret?: Maybe<SecretRef>;
  /** The variable’s name, as the workload sees it. */
  name: Scalars['String']['output'];
  /** Its value; null when it comes from a secret. */
  value?: Maybe<Scalars['String']['output']>;
};

/** Exactly one of `value` and `fromSecret`. */
export type EnvironmentVariableInput = {
  /** The secret to read its value from. */
  fromSecret?: InputMaybe<SecretRefInput>;
  /** The variable’s name, as the workload sees it. */
  name: Scalars['String']['input'];
  /** Its value. */
  value?: InputMaybe<Scalars['String']['input']>;
};

/** A typed error a mutation returns instead of its success: `... on Error { message }` shows any of them. */
export type Error = {
  /** What went wrong, in a sentence fit to show a user. */
  message: Scalars['String']['output'];
};

/** What runs a step: ContainerExecutor or SubprocessExecutor. */
export type Executor = {
  /** The execution profile of that provider the step runs under (`default` unless chosen). */
  profile: Scalars['String']['output'];
  /** What runs the step. */
  provider: ExecutorProvider;
};

/** A container provider (CPU, GPU, GPU_DISTRIBUTED) needs `container`; SUBPROCESS needs `command`. */
export type ExecutorInput = {
  /** The program and its arguments, run without a shell on the gateway’s host. SUBPROCESS only. */
  command?: InputMaybe<Array<Scalars['String']['input']>>;
  /** The container; container providers only. */
  container?: InputMaybe<ContainerSpecInput>;
  /** The execution profile to run under; `default` when not given. */
  profile?: InputMaybe<Scalars['String']['input']>;
  /** What runs the step. */
  provider: ExecutorProvider;
  /** What it asks of the cluster; container providers only. */
  resources?: InputMaybe<ComputeResourcesInput>;
};

/** What runs a step: a container on some kind of node, or a subprocess of the gateway. */
export type ExecutorProvider =
  /** A container on CPU nodes, run by an external controller. */
  | 'CPU'
  /** A container on a GPU node, run by an external controller. */
  | 'GPU'
  /** Containers on several GPU nodes (`resources.numNodes`), run by an external controller. */
  | 'GPU_DISTRIBUTED'
  /** A command run by the gateway’s built-in executor on its own host; only the PlatformAdmin may create such steps. */
  | 'SUBPROCESS';

/** A job: steps run one after another by an executor, with a status that pause, resume and cancel change. Read with `job`, `jobs` or `node`. */
export type Job = Node & {
  __typename?: 'Job';
  /** The actions that would change the job now and that the caller may take, for enabling buttons in a UI. */
  allowedActions: Array<JobAction>;
  /** The id of the job’s current attempt. */
  attemptId: Scalars['String']['output'];
  /** When the job was created (UTC). */
  createdAt: Scalars['DateTime']['output'];
  /** The creator’s own fields, free-form, kept as sent. */
  customFields: Scalars['JSON']['output'];
  /** Free text from the job’s creator; null when none was given. */
  description?: Maybe<Scalars['String']['output']>;
  /** Why it failed, free-form (e.g. `message`, `exit_code`); null unless the status is ERROR (or a failure was recorded). */
  errorDetails?: Maybe<Scalars['JSON']['output']>;
  /** The status history, oldest first. */
  events: JobStatusEventConnection;
  /** The name of the job’s fileset (`job-fileset-<name>`), where its files are kept. */
  fileset: Scalars['String']['output'];
  /** The job’s global id (for `node` and client caches); the platform’s id is `jobId`. */
  id: Scalars['ID']['output'];
  /** The platform’s id of the job, as REST and the platform’s SDK show it (`id`). */
  jobId: Scalars['String']['output'];
  /** What the job's steps printed, oldest line first, a page at a time: `first` lines from the start or after `after`, or the `last` lines (the newest, or those before `before`). 100 lines when neither `first` nor `last` is given; at most 10,000. Not batched across a list: each job's logs cost statements of their own, so read them for one job at a time. */
  logs: JobLogConnection;
  /** The job’s name, unique within its workspace; REST paths use it. */
  name: Scalars['String']['output'];
  /** Who owns the job, free-form; with access control on, `created_by` names the principal that created it. */
  ownership: Scalars['JSON']['output'];
  /** How the platform runs the job: its steps, in order. */
  platformSpec: JobSpec;
  /** The project the job was filed under; null when none was given. */
  project?: Maybe<Scalars['String']['output']>;
  /** The job’s results, newest first; empty until it has any. */
  results: Array<JobResult>;
  /** Where the job came from (a repository, a tool, `ui`), as its creator said. */
  source: Scalars['String']['output'];
  /** The job’s own configuration, free-form, with its keys exactly as sent. */
  spec: Scalars['JSON']['output'];
  /** Where the job is in its lifecycle, derived from its steps. */
  status: JobStatus;
  /** What the executor reports about the current status, free-form (e.g. `runner`, the executor running it); `{}` when nothing. */
  statusDetails: Scalars['JSON']['output'];
  /** The job’s steps with their runtime status, in the order they run. */
  steps: Array<JobStep>;
  /** When the job or one of its steps last changed (UTC). */
  updatedAt: Scalars['DateTime']['output'];
  /** The workspace the job belongs to. */
  workspace: Scalars['String']['output'];
};


/** A job: steps run one after another by an executor, with a status that pause, resume and cancel change. Read with `job`, `jobs` or `node`. */
export type JobEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** A job: steps run one after another by an executor, with a status that pause, resume and cancel change. Read with `job`, `jobs` or `node`. */
export type JobLogsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  step?: InputMaybe<Scalars['String']['input']>;
};

/** An action that would change the job now: neither a no-op nor a conflict. */
export type JobAction =
  /** cancelJob: end the job for good. */
  | 'CANCEL'
  /** deleteJob: remove a job that has ended (COMPLETED, ERROR or CANCELLED). */
  | 'DELETE'
  /** pauseJob: stop at a checkpoint (CREATED, PENDING or ACTIVE jobs). */
  | 'PAUSE'
  /** resumeJob: start a PAUSED job again. */
  | 'RESUME';

/** The workspace already has a job of that name; names are unique per workspace. */
export type JobAlreadyExistsError = Error & {
  __typename?: 'JobAlreadyExistsError';
  /** What went wrong, in a sentence fit to show a user. */
  message: Scalars['String']['output'];
  /** The job name the request named. */
  name: Scalars['String']['output'];
  /** The workspace the request named. */
  workspace: Scalars['String']['output'];
};

/** A page of a workspace’s jobs. */
export type JobConnection = {
  __typename?: 'JobConnection';
  /** The page’s items with their cursors, in the connection’s order. */
  edges: Array<JobEdge>;
  /** The page’s items without their cursors, in the connection’s order. */
  nodes: Array<Job>;
  /** Whether items come before or after this page, and its end cursors. */
  pageInfo: PageInfo;
  /** How many jobs match the filter there are over all pages (not just this one). */
  totalCount: Scalars['Int']['output'];
};

/** A job and its cursor in the list. */
export type JobEdge = {
  __typename?: 'JobEdge';
  /** This item’s position: pass it as `after` (or `before`) to page on from here. */
  cursor: Scalars['String']['output'];
  /** The item at this position. */
  node: Job;
};

/** Every given field must match; a list matches any of its values. */
export type JobFilter = {
  /** Created at or after. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Created at or before. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** Jobs with any of these names (exact match). */
  name?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Jobs of any of these projects (exact match). */
  project?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Jobs with any of these sources (exact match). */
  source?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Jobs in any of these statuses. */
  status?: InputMaybe<Array<JobStatus>>;
  /** Updated at or after. */
  updatedAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Updated at or before. */
  updatedBefore?: InputMaybe<Scalars['DateTime']['input']>;
};

/** A page of a job’s log lines, oldest first. */
export type JobLogConnection = {
  __typename?: 'JobLogConnection';
  /** The page’s items with their cursors, in the connection’s order. */
  edges: Array<JobLogEdge>;
  /** The page’s items without their cursors, in the connection’s order. */
  nodes: Array<JobLogLine>;
  /** Whether items come before or after this page, and its end cursors. */
  pageInfo: PageInfo;
  /** How many lines the job (or the step, with `step`) printed there are over all pages (not just this one). */
  totalCount: Scalars['Int']['output'];
};

/** One line of a job’s log, and its cursor. */
export type JobLogEdge = {
  __typename?: 'JobLogEdge';
  /** This item’s position: pass it as `after` (or `before`) to page on from here. */
  cursor: Scalars['String']['output'];
  /** The item at this position. */
  node: JobLogLine;
};

/** One line a step’s process printed, without its newline. A line longer than 64 KiB is stored as several lines. */
export type JobLogLine = {
  __typename?: 'JobLogLine';
  /** This line’s place in the job’s log: pass it as `after` (of `Job.logs` or `jobLogs`) to read on from the line after it. */
  cursor: Scalars['String']['output'];
  /** The line’s text, without the newline. */
  message: Scalars['String']['output'];
  /** The name of the step that printed it. */
  step: Scalars['String']['output'];
  /** Standard output or standard error. */
  stream: LogStream;
  /** When the gateway read the line from the process (UTC). */
  timestamp: Scalars['DateTime']['output'];
};

/** No job of that name in that workspace (it may have been deleted). */
export type JobNotFoundError = Error & {
  __typename?: 'JobNotFoundError';
  /** What went wrong, in a sentence fit to show a user. */
  message: Scalars['String']['output'];
  /** The job name the request named. */
  name: Scalars['String']['output'];
  /** The workspace the request named. */
  workspace: Scalars['String']['output'];
};

/** How `jobs` are ordered; without it, newest created first. */
export type JobOrderBy = {
  /** Which way; ASC when not given. */
  direction?: InputMaybe<OrderDirection>;
  /** What to order by. */
  field: JobOrderField;
};

/** What jobs are ordered by; ties are broken by the job id, so the order is stable. */
export type JobOrderField =
  /** When the job was created. */
  | 'CREATED_AT'
  /** The job’s `source`, alphabetically. */
  | 'SOURCE'
  /** When the job last changed. */
  | 'UPDATED_AT';

/** An artifact a job produced: a file the gateway stores (uploaded, or left by a subprocess step in its results directory), or a pointer to one stored elsewhere. */
export type JobResult = {
  __typename?: 'JobResult';
  /** Where the artifact is, in the platform’s terms (`fileset://<workspace>/<fileset>/results/<name>` for a stored file). */
  artifactUrl: Scalars['String']['output'];
  /** The stored file’s media type; null for a result that points elsewhere. */
  contentType?: Maybe<Scalars['String']['output']>;
  /** When the result was recorded (UTC). */
  createdAt: Scalars['DateTime']['output'];
  /** The path on this gateway that streams the stored file (REST, with the same access as reading the job); null for a result that points elsewhere. */
  downloadUrl?: Maybe<Scalars['String']['output']>;
  /** The result’s name, unique within its job. */
  name: Scalars['String']['output'];
  /** The stored file’s size in bytes; null for a result that points elsewhere. */
  size?: Maybe<Scalars['Int']['output']>;
  /** When the result was last replaced (UTC); a rerun step’s file replaces its earlier one. */
  updatedAt: Scalars['DateTime']['output'];
};

/** How the platform runs a job. */
export type JobSpec = {
  __typename?: 'JobSpec';
  /** The steps, run one after another in this order. */
  steps: Array<StepSpec>;
};

/** How the platform is to run a new job. */
export type JobSpecInput = {
  /** The steps, at least one, run in this order. */
  steps: Array<StepSpecInput>;
};

/** The action is not allowed in the job’s current status. */
export type JobStateConflictError = Error & {
  __typename?: 'JobStateConflictError';
  /** What went wrong, in a sentence fit to show a user. */
  message: Scalars['String']['output'];
  /** The job name the request named. */
  name: Scalars['String']['output'];
  /** The job’s status, which does not allow the action (see `Job.allowedActions`). */
  status: JobStatus;
};

/** Where a job (or step) is in its lifecycle. COMPLETED, ERROR and CANCELLED are terminal: nothing changes after them. */
export type JobStatus =
  /** A step is running. */
  | 'ACTIVE'
  /** Ended by a cancel (terminal). */
  | 'CANCELLED'
  /** A cancel was asked for; the running step is being stopped. */
  | 'CANCELLING'
  /** Every step completed (terminal). */
  | 'COMPLETED'
  /** Accepted; no step has been picked up yet. */
  | 'CREATED'
  /** A step failed (terminal); `errorDetails` says why. */
  | 'ERROR'
  /** Stopped at a checkpoint, nothing running; RESUME starts it again. */
  | 'PAUSED'
  /** A pause was asked for; the running step is saving its checkpoint. */
  | 'PAUSING'
  /** A step waits for an executor to start it (again, after a resume). */
  | 'PENDING'
  /** A resume was asked for; the step will be pending again. */
  | 'RESUMING';

/** One change of a job’s status, as recorded: every change is one event, in commit order. */
export type JobStatusEvent = {
  __typename?: 'JobStatusEvent';
  /** Who caused the change: the principal, as role bindings name it; null for changes the system made, and when access control is off. */
  actor?: Maybe<Scalars['String']['output']>;
  /** Pass as `after` to resume right after this event. */
  cursor: Scalars['String']['output'];
  /** The job as it is now (not as it was at the event); an error when the job has been deleted since. */
  job: Job;
  /** When the change was made (UTC), in the transaction that made it. */
  occurredAt: Scalars['DateTime']['output'];
  /** The status it left; null for the first event (the job’s creation, CREATED). */
  previousStatus?: Maybe<JobStatus>;
  /** The status the job moved to. */
  status: JobStatus;
};

/** A page of a job’s status history, oldest first. */
export type JobStatusEventConnection = {
  __typename?: 'JobStatusEventConnection';
  /** The page’s items with their cursors, in the connection’s order. */
  edges: Array<JobStatusEventEdge>;
  /** The page’s items without their cursors, in the connection’s order. */
  nodes: Array<JobStatusEvent>;
  /** Whether items come before or after this page, and its end cursors. */
  pageInfo: PageInfo;
  /** How many status events the job has there are over all pages (not just this one). */
  totalCount: Scalars['Int']['output'];
};

/** A status event and its cursor in the history. */
export type JobStatusEventEdge = {
  __typename?: 'JobStatusEventEdge';
  /** This item’s position: pass it as `after` (or `before`) to page on from here. */
  cursor: Scalars['String']['output'];
  /** The item at this position. */
  node: JobStatusEvent;
};

/** A step of a job and its runtime status. */
export type JobStep = Node & {
  __typename?: 'JobStep';
  /** When the step was created, with its job (UTC). */
  createdAt: Scalars['DateTime']['output'];
  /** Why it failed, free-form (e.g. `message`, `exit_code`); null unless the status is ERROR (or a failure was recorded). */
  errorDetails?: Maybe<Scalars['JSON']['output']>;
  /** The step’s global id (for `node` and client caches); the platform’s id is `stepId`. */
  id: Scalars['ID']['output'];
  /** The step’s name, unique within its job. */
  name: Scalars['String']['output'];
  /** What the step runs, as it was created. */
  spec: StepSpec;
  /** The step’s own status; the job’s status is derived from its steps’. */
  status: JobStatus;
  /** What the executor reports about the current status, free-form (e.g. `runner`, the executor running it); `{}` when nothing. */
  statusDetails: Scalars['JSON']['output'];
  /** The platform’s id of the step, as REST shows it (`steps[].id` of `…/status`). */
  stepId: Scalars['String']['output'];
  /** The step’s tasks, in the order they were first reported; empty until one is reported. */
  tasks: Array<JobStepTask>;
  /** When the step last changed (UTC). */
  updatedAt: Scalars['DateTime']['output'];
};

/** A task a step runs as: a pod of a distributed step, or the one process (`process`) of a subprocess step, with its own status as whoever runs it reported it. */
export type JobStepTask = {
  __typename?: 'JobStepTask';
  /** When the task was first reported (UTC). */
  createdAt: Scalars['DateTime']['output'];
  /** Why the task failed, free-form; null when no failure was reported. */
  errorDetails?: Maybe<Scalars['JSON']['output']>;
  /** The task’s name, unique within its step. */
  name: Scalars['String']['output'];
  /** The task’s status as last reported; it informs, the step’s own status is what counts. */
  status: JobStatus;
  /** What was reported about the task’s status, free-form; `{}` when nothing. */
  statusDetails: Scalars['JSON']['output'];
  /** When the task was last reported (UTC). */
  updatedAt: Scalars['DateTime']['output'];
};

/** A workspace that has an Admin keeps at least one, so someone can always manage its members. */
export type LastAdminError = Error & {
  __typename?: 'LastAdminError';
  /** What went wrong, in a sentence fit to show a user. */
  message: Scalars['String']['output'];
  /** The principal the request named (an email, a subject, or `*`). */
  principal: Scalars['String']['output'];
  /** The workspace the request named. */
  workspace: Scalars['String']['output'];
};

/** Which output of the step’s process a line came from. */
export type LogStream =
  /** Standard error. */
  | 'STDERR'
  /** Standard output. */
  | 'STDOUT';

/** The principal is a member already: change its roles with `replaceWorkspaceMemberRoles`. */
export type MemberAlreadyExistsError = Error & {
  __typename?: 'MemberAlreadyExistsError';
  /** What went wrong, in a sentence fit to show a user. */
  message: Scalars['String']['output'];
  /** The principal the request named (an email, a subject, or `*`). */
  principal: Scalars['String']['output'];
  /** The workspace the request named. */
  workspace: Scalars['String']['output'];
};

/** The principal holds no role in the workspace. */
export type MemberNotFoundError = Error & {
  __typename?: 'MemberNotFoundError';
  /** What went wrong, in a sentence fit to show a user. */
  message: Scalars['String']['output'];
  /** The principal the request named (an email, a subject, or `*`). */
  principal: Scalars['String']['output'];
  /** The workspace the request named. */
  workspace: Scalars['String']['output'];
};

/** Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all). */
export type Mutation = {
  __typename?: 'Mutation';
  /** Gives a principal roles in a workspace (Admin or PlatformAdmin); it applies at once. */
  addWorkspaceMember: AddWorkspaceMemberResult;
  /** Ends a job for good: CANCELLING while its running step is stopped, then CANCELLED (a job nothing runs yet is CANCELLED at once). */
  cancelJob: CancelJobResult;
  /** Creates a job in a workspace; it starts CREATED and an executor picks up its first step. Steps with the SUBPROCESS provider need the PlatformAdmin. */
  createJob: CreateJobResult;
  /** Deletes a completed, failed or cancelled job. */
  deleteJob: DeleteJobResult;
  /** Asks a CREATED, PENDING or ACTIVE job to pause: it becomes PAUSING, then PAUSED once its running step has saved a checkpoint. Pausing a PAUSING or PAUSED job changes nothing. */
  pauseJob: PauseJobResult;
  /** Takes every role of a member away; the result is what it held. */
  removeWorkspaceMember: RemoveWorkspaceMemberResult;
  /** Replaces a member’s roles: roles it keeps keep their grant, new ones are granted now. */
  replaceWorkspaceMemberRoles: ReplaceWorkspaceMemberRolesResult;
  /** Asks a PAUSED job to go on: RESUMING, then PENDING and ACTIVE again from its checkpoint. */
  resumeJob: ResumeJobResult;
};


/** Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all). */
export type MutationAddWorkspaceMemberArgs = {
  input: WorkspaceMemberInput;
  workspace: Scalars['String']['input'];
};


/** Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all). */
export type MutationCancelJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


/** Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all). */
export type MutationCreateJobArgs = {
  input: CreateJobInput;
  workspace: Scalars['String']['input'];
};


/** Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all). */
export type MutationDeleteJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


/** Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all). */
export type MutationPauseJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


/** Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all). */
export type MutationRemoveWorkspaceMemberArgs = {
  principal: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


/** Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all). */
export type MutationReplaceWorkspaceMemberRolesArgs = {
  principal: Scalars['String']['input'];
  roles: Array<WorkspaceRole>;
  workspace: Scalars['String']['input'];
};


/** Changes: each returns a union of its success and typed errors (`... on Error { message }` catches them all). */
export type MutationResumeJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};

/** An object with a global `id` that `node(id:)` and `nodes(ids:)` load back, so client caches (Relay, Apollo) can normalise it. */
export type Node = {
  /** A global id: opaque, unique across types and stable; `node(id:)` loads the object back. Not the platform’s own id (`Job.jobId`, `JobStep.stepId`). */
  id: Scalars['ID']['output'];
};

/** The caller may not do this here: its roles in the workspace, or its token's scopes, do not allow it. */
export type NotAuthorizedError = Error & {
  __typename?: 'NotAuthorizedError';
  /** What went wrong, in a sentence fit to show a user. */
  message: Scalars['String']['output'];
  /** Whether the principal's roles or the token's scopes refused it. */
  reason: NotAuthorizedReason;
};

/** Which check refused the caller. */
export type NotAuthorizedReason =
  /** The principal’s roles in the workspace do not allow it. */
  | 'ROLE'
  /** The token’s scopes do not allow it, whatever the roles. */
  | 'SCOPE';

/** Which way an order runs. */
export type OrderDirection =
  /** Smallest (oldest, first alphabetically) first. */
  | 'ASC'
  /** Largest (newest, last alphabetically) first. */
  | 'DESC';

/** Where a page sits in its connection, and the cursors at its two ends. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The cursor of the page’s last item; null when the page is empty. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether items follow this page: pass `endCursor` as `after` to read them. */
  hasNextPage: Scalars['Boolean']['output'];
  /** Whether items come before this page: pass `startCursor` as `before` to read them. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The cursor of the page’s first item; null when the page is empty. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** The job after pauseJob, or why not: no such job, its status does not allow it, or the caller may not. */
export type PauseJobResult = JobNotFoundError | JobStateConflictError | NotAuthorizedError | PauseJobSuccess;

/** The pause was accepted (or was already under way). */
export type PauseJobSuccess = {
  __typename?: 'PauseJobSuccess';
  /** The job after the change (or as it was, when nothing changed). */
  job: Job;
};

/** Reads: jobs and their history and logs, workspace members, and any object by its global id. */
export type Query = {
  __typename?: 'Query';
  /** One job by workspace and name; null when there is none. A caller who may not read the workspace gets null and a FORBIDDEN error, whether the job exists or not. */
  job?: Maybe<Job>;
  /** Jobs of a workspace, newest first unless ordered otherwise. At most 100 per page. */
  jobs: JobConnection;
  /** The job or step with this global id (the `id` of a `Job` or `JobStep`). Null when there is none, and when the caller may not read its workspace: the two are not told apart. */
  node?: Maybe<Node>;
  /** The nodes with these global ids, in the order asked, loaded together (one statement per type). Each is null when there is none or the caller may not read it. At most 100 ids. */
  nodes: Array<Maybe<Node>>;
  /** The workspace's members and their roles. */
  workspaceMembers: Array<WorkspaceMember>;
};


/** Reads: jobs and their history and logs, workspace members, and any object by its global id. */
export type QueryJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


/** Reads: jobs and their history and logs, workspace members, and any object by its global id. */
export type QueryJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<JobFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<JobOrderBy>;
  workspace: Scalars['String']['input'];
};


/** Reads: jobs and their history and logs, workspace members, and any object by its global id. */
export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


/** Reads: jobs and their history and logs, workspace members, and any object by its global id. */
export type QueryNodesArgs = {
  ids: Array<Scalars['ID']['input']>;
};


/** Reads: jobs and their history and logs, workspace members, and any object by its global id. */
export type QueryWorkspaceMembersArgs = {
  workspace: Scalars['String']['input'];
};

/** The removed member, or why not: no such member, it is the last Admin, or the caller may not. */
export type RemoveWorkspaceMemberResult = LastAdminError | MemberNotFoundError | NotAuthorizedError | RemoveWorkspaceMemberSuccess;

/** The member was removed. */
export type RemoveWorkspaceMemberSuccess = {
  __typename?: 'RemoveWorkspaceMemberSuccess';
  /** The member as it was, with the roles it held. */
  member: WorkspaceMember;
};

/** The member with its new roles, or why not: no such member, it would leave no Admin, the roles are invalid, or the caller may not. */
export type ReplaceWorkspaceMemberRolesResult = LastAdminError | MemberNotFoundError | NotAuthorizedError | ReplaceWorkspaceMemberRolesSuccess | ValidationError;

/** The roles were replaced. */
export type ReplaceWorkspaceMemberRolesSuccess = {
  __typename?: 'ReplaceWorkspaceMemberRolesSuccess';
  /** The member with its new roles. */
  member: WorkspaceMember;
};

/** The job after resumeJob, or why not: no such job, its status does not allow it, or the caller may not. */
export type ResumeJobResult = JobNotFoundError | JobStateConflictError | NotAuthorizedError | ResumeJobSuccess;

/** The resume was accepted (or was already under way). */
export type ResumeJobSuccess = {
  __typename?: 'ResumeJobSuccess';
  /** The job after the change (or as it was, when nothing changed). */
  job: Job;
};

/** A secret, by name; its value is never shown. */
export type SecretRef = {
  __typename?: 'SecretRef';
  /** The secret’s name; the built-in executor reads the gateway’s environment variable of that name. */
  name: Scalars['String']['output'];
};

/** A secret, by name. */
export type SecretRefInput = {
  /** The secret’s name; the built-in executor reads the gateway’s environment variable of that name. */
  name: Scalars['String']['input'];
};

/** How long a step may stay silent, and how long it may take to pause. */
export type StepLifecycle = {
  __typename?: 'StepLifecycle';
  /** How long a running step may take to checkpoint and exit once paused (seconds); 0 = it cannot be paused while it runs; null = left to its controller. */
  pauseDeadlineSeconds?: Maybe<Scalars['Int']['output']>;
  /** A running step that prints nothing for this long (seconds) is stopped and fails; 0 = never. */
  stalenessTimeoutSeconds: Scalars['Int']['output'];
};

/** How long a step may stay silent, and how long it may take to pause; left out: the defaults. */
export type StepLifecycleInput = {
  /** How long a running step may take to checkpoint and exit once paused; 0 (the default for subprocess steps) = cannot be paused while it runs. */
  pauseDeadlineSeconds?: InputMaybe<Scalars['Int']['input']>;
  /** A running step that prints nothing for this long (seconds) is stopped and fails; 0 = never. 0 by default. */
  stalenessTimeoutSeconds?: InputMaybe<Scalars['Int']['input']>;
};

/** What one step runs, as it was created. */
export type StepSpec = {
  __typename?: 'StepSpec';
  /** The step’s configuration, free-form: the workload reads it from `NEMO_JOB_STEP_CONFIG_FILE_PATH`. */
  config?: Maybe<Scalars['JSON']['output']>;
  /** Environment variables the workload gets, besides the platform’s `NEMO_JOB_*` ones. Null when none. */
  environment?: Maybe<Array<EnvironmentVariable>>;
  /** What runs the step, and how. */
  executor: Executor;
  /** Staleness and pause rules of the step; null keeps the defaults. */
  lifecycle?: Maybe<StepLifecycle>;
  /** The step’s name, unique within its job (lower case, digits, `-`, `_`, `.`, `@`, `+`). */
  name: Scalars['String']['output'];
};

/** One step of a new job. */
export type StepSpecInput = {
  /** The step’s configuration, free-form: the workload reads it from `NEMO_JOB_STEP_CONFIG_FILE_PATH`. */
  config?: InputMaybe<Scalars['JSON']['input']>;
  /** Environment variables the workload gets, besides the platform’s `NEMO_JOB_*` ones. */
  environment?: InputMaybe<Array<EnvironmentVariableInput>>;
  /** What runs the step, and how. */
  executor: ExecutorInput;
  /** Staleness and pause rules of the step; null keeps the defaults. */
  lifecycle?: InputMaybe<StepLifecycleInput>;
  /** The step’s name, unique within its job (lower case, digits, `-`, `_`, `.`, `@`, `+`). */
  name: Scalars['String']['input'];
};

/** Runs the step as a host subprocess. */
export type SubprocessExecutor = Executor & {
  __typename?: 'SubprocessExecutor';
  /** The program and its arguments, run without a shell on the gateway’s host. */
  command: Array<Scalars['String']['output']>;
  /** The execution profile of that provider the step runs under (`default` unless chosen). */
  profile: Scalars['String']['output'];
  /** What runs the step. */
  provider: ExecutorProvider;
};

/** Live streams over graphql-ws (`/graphql`, subprotocol graphql-transport-ws) or SSE (POST `/graphql` with `Accept: text/event-stream`). Each replays from a cursor first when given one, and ends with a FORBIDDEN error when the caller loses read access. */
export type Subscription = {
  __typename?: 'Subscription';
  /** Every status change in a workspace, in order; with `after`, replayed from that cursor first. */
  jobEvents: JobStatusEvent;
  /** A job's log, live: first the lines stored so far (or those after `after`), then each new line as the running step prints it (lines are stored in batches, about every 100 ms); completes once the job has ended (completed, error or cancelled) and its last line was sent. A paused job's log stays open. */
  jobLogs: JobLogLine;
  /** One job's status: first its current state (or, with `after`, every change since that cursor), then every change in order; completes after a terminal status. */
  jobStatus: JobStatusEvent;
};


/** Live streams over graphql-ws (`/graphql`, subprotocol graphql-transport-ws) or SSE (POST `/graphql` with `Accept: text/event-stream`). Each replays from a cursor first when given one, and ends with a FORBIDDEN error when the caller loses read access. */
export type SubscriptionJobEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  workspace: Scalars['String']['input'];
};


/** Live streams over graphql-ws (`/graphql`, subprotocol graphql-transport-ws) or SSE (POST `/graphql` with `Accept: text/event-stream`). Each replays from a cursor first when given one, and ends with a FORBIDDEN error when the caller loses read access. */
export type SubscriptionJobLogsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  step?: InputMaybe<Scalars['String']['input']>;
  workspace: Scalars['String']['input'];
};


/** Live streams over graphql-ws (`/graphql`, subprotocol graphql-transport-ws) or SSE (POST `/graphql` with `Accept: text/event-stream`). Each replays from a cursor first when given one, and ends with a FORBIDDEN error when the caller loses read access. */
export type SubscriptionJobStatusArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};

/** The input was refused: every problem found is listed, and nothing was changed. */
export type ValidationError = Error & {
  __typename?: 'ValidationError';
  /** Each problem, at least one. */
  issues: Array<ValidationIssue>;
  /** What went wrong, in a sentence fit to show a user. */
  message: Scalars['String']['output'];
};

/** One problem with one value of the input. */
export type ValidationIssue = {
  __typename?: 'ValidationIssue';
  /** What is wrong with it. */
  message: Scalars['String']['output'];
  /** Where the value is in the input: argument, then field names and list indexes (e.g. `input`, `platformSpec`, `steps`, `0`, `name`). */
  path: Array<Scalars['String']['output']>;
};

/** A principal and the roles it holds in a workspace. */
export type WorkspaceMember = {
  __typename?: 'WorkspaceMember';
  /** When its earliest role still held was granted. */
  grantedAt: Scalars['DateTime']['output'];
  /** The principal that granted its earliest role still held. */
  grantedBy: Scalars['String']['output'];
  /** An email, a subject, or `*` for every authenticated principal. */
  principal: Scalars['String']['output'];
  /** Its roles here, at least one; the highest counts. */
  roles: Array<WorkspaceRole>;
};

/** A new member and its roles. */
export type WorkspaceMemberInput = {
  /** An email, a subject, or `*` for every authenticated principal. */
  principal: Scalars['String']['input'];
  /** Editor when not given. */
  roles?: InputMaybe<Array<WorkspaceRole>>;
};

/** Viewer reads jobs; Editor also creates and controls them; Admin also manages members; JobRunner reports step status and logs. */
export type WorkspaceRole =
  /** What an Editor may, and adds, changes and removes members. */
  | 'Admin'
  /** What a Viewer may, and creates, pauses, resumes, cancels and deletes jobs. */
  | 'Editor'
  /** Reports step status in the workspace, nothing else (an executor’s identity). */
  | 'JobRunner'
  /** Lists and reads jobs, their steps, status, logs and events, and the members. */
  | 'Viewer';

export type WorkspaceJobsQueryVariables = Exact<{
  workspace: Scalars['String']['input'];
}>;


export type WorkspaceJobsQuery = { __typename?: 'Query', jobs: { __typename?: 'JobConnection', totalCount: number, nodes: Array<{ __typename?: 'Job', workspace: string, name: string, status: JobStatus, updatedAt: any }> } };

export type PauseJobMutationVariables = Exact<{
  workspace: Scalars['String']['input'];
  name: Scalars['String']['input'];
}>;


export type PauseJobMutation = { __typename?: 'Mutation', pauseJob: { __typename: 'JobNotFoundError', message: string } | { __typename: 'JobStateConflictError', message: string, status: JobStatus } | { __typename: 'NotAuthorizedError', message: string, reason: NotAuthorizedReason } | { __typename: 'PauseJobSuccess', job: { __typename?: 'Job', workspace: string, name: string, status: JobStatus } } };

export type JobStatusSubscriptionVariables = Exact<{
  workspace: Scalars['String']['input'];
  name: Scalars['String']['input'];
}>;


export type JobStatusSubscription = { __typename?: 'Subscription', jobStatus: { __typename?: 'JobStatusEvent', cursor: string, status: JobStatus, previousStatus?: JobStatus | null, occurredAt: any } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const WorkspaceJobsDocument = new TypedDocumentString(`
    query WorkspaceJobs($workspace: String!) {
  jobs(workspace: $workspace, first: 100) {
    totalCount
    nodes {
      workspace
      name
      status
      updatedAt
    }
  }
}
    `, {"hash":"6b64d8423c6cf9bf644b03dcd5ed328ff0b55b3aafa7833f0054616f53de65b2"}) as unknown as TypedDocumentString<WorkspaceJobsQuery, WorkspaceJobsQueryVariables>;
export const PauseJobDocument = new TypedDocumentString(`
    mutation PauseJob($workspace: String!, $name: String!) {
  pauseJob(workspace: $workspace, name: $name) {
    __typename
    ... on PauseJobSuccess {
      job {
        workspace
        name
        status
      }
    }
    ... on JobStateConflictError {
      message
      status
    }
    ... on JobNotFoundError {
      message
    }
    ... on NotAuthorizedError {
      message
      reason
    }
  }
}
    `, {"hash":"9064207f973cdb4db62c752706e794f74009f8d70adb7c237aa9c892ef97f2bf"}) as unknown as TypedDocumentString<PauseJobMutation, PauseJobMutationVariables>;
export const JobStatusDocument = new TypedDocumentString(`
    subscription JobStatus($workspace: String!, $name: String!) {
  jobStatus(workspace: $workspace, name: $name) {
    cursor
    status
    previousStatus
    occurredAt
  }
}
    `, {"hash":"e5ecf6900b6bee15fb3d6854e855e9d2c9f33464a3d4253fb6ccf67eaf523f6f"}) as unknown as TypedDocumentString<JobStatusSubscription, JobStatusSubscriptionVariables>;