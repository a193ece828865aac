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

export type AddWorkspaceMemberResult = AddWorkspaceMemberSuccess | MemberAlreadyExistsError | NotAuthorizedError | ValidationError;

export type AddWorkspaceMemberSuccess = {
  __typename?: 'AddWorkspaceMemberSuccess';
  member: WorkspaceMember;
};

export type CancelJobResult = CancelJobSuccess | JobNotFoundError | JobStateConflictError | NotAuthorizedError;

export type CancelJobSuccess = {
  __typename?: 'CancelJobSuccess';
  job: Job;
};

export type ComputeResourceSpec = {
  __typename?: 'ComputeResourceSpec';
  cpu?: Maybe<Scalars['String']['output']>;
  memory?: Maybe<Scalars['String']['output']>;
};

export type ComputeResourceSpecInput = {
  cpu?: InputMaybe<Scalars['String']['input']>;
  memory?: InputMaybe<Scalars['String']['input']>;
};

export type ComputeResources = {
  __typename?: 'ComputeResources';
  limits?: Maybe<ComputeResourceSpec>;
  numGpus?: Maybe<Scalars['Int']['output']>;
  numNodes: Scalars['Int']['output'];
  requests?: Maybe<ComputeResourceSpec>;
  shmSize?: Maybe<Scalars['String']['output']>;
};

export type ComputeResourcesInput = {
  limits?: InputMaybe<ComputeResourceSpecInput>;
  numGpus?: InputMaybe<Scalars['Int']['input']>;
  numNodes?: InputMaybe<Scalars['Int']['input']>;
  requests?: InputMaybe<ComputeResourceSpecInput>;
  shmSize?: InputMaybe<Scalars['String']['input']>;
};

/** Runs the step in a container on CPU, GPU or distributed GPU nodes. */
export type ContainerExecutor = Executor & {
  __typename?: 'ContainerExecutor';
  container: ContainerSpec;
  profile: Scalars['String']['output'];
  provider: ExecutorProvider;
  resources?: Maybe<ComputeResources>;
};

export type ContainerSpec = {
  __typename?: 'ContainerSpec';
  command?: Maybe<Array<Scalars['String']['output']>>;
  entrypoint?: Maybe<Array<Scalars['String']['output']>>;
  image: Scalars['String']['output'];
};

export type ContainerSpecInput = {
  command?: InputMaybe<Array<Scalars['String']['input']>>;
  entrypoint?: InputMaybe<Array<Scalars['String']['input']>>;
  image: Scalars['String']['input'];
};

export type CreateJobInput = {
  customFields?: InputMaybe<Scalars['JSON']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  /** Generated from `source` when not given. */
  name?: InputMaybe<Scalars['String']['input']>;
  ownership?: InputMaybe<Scalars['JSON']['input']>;
  platformSpec: JobSpecInput;
  project?: InputMaybe<Scalars['String']['input']>;
  source: Scalars['String']['input'];
  spec: Scalars['JSON']['input'];
};

export type CreateJobResult = CreateJobSuccess | JobAlreadyExistsError | NotAuthorizedError | ValidationError;

export type CreateJobSuccess = {
  __typename?: 'CreateJobSuccess';
  job: Job;
};

export type DeleteJobResult = DeleteJobSuccess | JobNotFoundError | JobStateConflictError | NotAuthorizedError;

export type DeleteJobSuccess = {
  __typename?: 'DeleteJobSuccess';
  deletedJob: DeletedJob;
};

export type DeletedJob = {
  __typename?: 'DeletedJob';
  name: Scalars['String']['output'];
  workspace: Scalars['String']['output'];
};

export type EnvironmentVariable = {
  __typename?: 'EnvironmentVariable';
  fromSecret?: Maybe<SecretRef>;
  name: Scalars['String']['output'];
  value?: Maybe<Scalars['String']['output']>;
};

/** Exactly one of `value` and `fromSecret`. */
export type EnvironmentVariableInput = {
  fromSecret?: InputMaybe<SecretRefInput>;
  name: Scalars['String']['input'];
  value?: InputMaybe<Scalars['String']['input']>;
};

export type Error = {
  message: Scalars['String']['output'];
};

export type Executor = {
  profile: Scalars['String']['output'];
  provider: ExecutorProvider;
};

/** A container provider (CPU, GPU, GPU_DISTRIBUTED) needs `container`; SUBPROCESS needs `command`. */
export type ExecutorInput = {
  command?: InputMaybe<Array<Scalars['String']['input']>>;
  container?: InputMaybe<ContainerSpecInput>;
  profile?: InputMaybe<Scalars['String']['input']>;
  provider: ExecutorProvider;
  resources?: InputMaybe<ComputeResourcesInput>;
};

export type ExecutorProvider =
  | 'CPU'
  | 'GPU'
  | 'GPU_DISTRIBUTED'
  | 'SUBPROCESS';

export type Job = {
  __typename?: 'Job';
  /** The actions that would change the job now and that the caller may take, for enabling buttons in a UI. */
  allowedActions: Array<JobAction>;
  attemptId: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  customFields: Scalars['JSON']['output'];
  description?: Maybe<Scalars['String']['output']>;
  errorDetails?: Maybe<Scalars['JSON']['output']>;
  /** The status history, oldest first. */
  events: JobStatusEventConnection;
  fileset: Scalars['String']['output'];
  id: Scalars['String']['output'];
  name: Scalars['String']['output'];
  ownership: Scalars['JSON']['output'];
  platformSpec: JobSpec;
  project?: Maybe<Scalars['String']['output']>;
  source: Scalars['String']['output'];
  spec: Scalars['JSON']['output'];
  status: JobStatus;
  statusDetails: Scalars['JSON']['output'];
  steps: Array<JobStep>;
  updatedAt: Scalars['DateTime']['output'];
  workspace: Scalars['String']['output'];
};


export type JobEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** An action that would change the job now: neither a no-op nor a conflict. */
export type JobAction =
  | 'CANCEL'
  | 'DELETE'
  | 'PAUSE'
  | 'RESUME';

export type JobAlreadyExistsError = Error & {
  __typename?: 'JobAlreadyExistsError';
  message: Scalars['String']['output'];
  name: Scalars['String']['output'];
  workspace: Scalars['String']['output'];
};

export type JobConnection = {
  __typename?: 'JobConnection';
  edges: Array<JobEdge>;
  nodes: Array<Job>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type JobEdge = {
  __typename?: 'JobEdge';
  cursor: Scalars['String']['output'];
  node: Job;
};

/** Every given field must match; a list matches any of its values. */
export type JobFilter = {
  /** Created at or after. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Created at or before. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  name?: InputMaybe<Array<Scalars['String']['input']>>;
  project?: InputMaybe<Array<Scalars['String']['input']>>;
  source?: InputMaybe<Array<Scalars['String']['input']>>;
  status?: InputMaybe<Array<JobStatus>>;
  /** Updated at or after. */
  updatedAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Updated at or before. */
  updatedBefore?: InputMaybe<Scalars['DateTime']['input']>;
};

export type JobNotFoundError = Error & {
  __typename?: 'JobNotFoundError';
  message: Scalars['String']['output'];
  name: Scalars['String']['output'];
  workspace: Scalars['String']['output'];
};

export type JobOrderBy = {
  direction?: InputMaybe<OrderDirection>;
  field: JobOrderField;
};

export type JobOrderField =
  | 'CREATED_AT'
  | 'SOURCE'
  | 'UPDATED_AT';

export type JobSpec = {
  __typename?: 'JobSpec';
  steps: Array<StepSpec>;
};

export type JobSpecInput = {
  steps: Array<StepSpecInput>;
};

/** The action is not allowed in the job’s current status. */
export type JobStateConflictError = Error & {
  __typename?: 'JobStateConflictError';
  message: Scalars['String']['output'];
  name: Scalars['String']['output'];
  status: JobStatus;
};

export type JobStatus =
  | 'ACTIVE'
  | 'CANCELLED'
  | 'CANCELLING'
  | 'COMPLETED'
  | 'CREATED'
  | 'ERROR'
  | 'PAUSED'
  | 'PAUSING'
  | 'PENDING'
  | 'RESUMING';

export type JobStatusEvent = {
  __typename?: 'JobStatusEvent';
  /** Who caused the change: the principal, as role bindings name it; null for changes the system made, and when access control is off. */
  actor?: Maybe<Scalars['String']['output']>;
  /** Pass as `after` to resume right after this event. */
  cursor: Scalars['String']['output'];
  job: Job;
  occurredAt: Scalars['DateTime']['output'];
  previousStatus?: Maybe<JobStatus>;
  status: JobStatus;
};

export type JobStatusEventConnection = {
  __typename?: 'JobStatusEventConnection';
  edges: Array<JobStatusEventEdge>;
  nodes: Array<JobStatusEvent>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type JobStatusEventEdge = {
  __typename?: 'JobStatusEventEdge';
  cursor: Scalars['String']['output'];
  node: JobStatusEvent;
};

/** A step of a job and its runtime status. */
export type JobStep = {
  __typename?: 'JobStep';
  createdAt: Scalars['DateTime']['output'];
  errorDetails?: Maybe<Scalars['JSON']['output']>;
  id: Scalars['String']['output'];
  name: Scalars['String']['output'];
  spec: StepSpec;
  status: JobStatus;
  statusDetails: Scalars['JSON']['output'];
  updatedAt: Scalars['DateTime']['output'];
};

/** A workspace that has an Admin keeps at least one, so someone can always manage its members. */
export type LastAdminError = Error & {
  __typename?: 'LastAdminError';
  message: Scalars['String']['output'];
  principal: Scalars['String']['output'];
  workspace: Scalars['String']['output'];
};

export type MemberAlreadyExistsError = Error & {
  __typename?: 'MemberAlreadyExistsError';
  message: Scalars['String']['output'];
  principal: Scalars['String']['output'];
  workspace: Scalars['String']['output'];
};

export type MemberNotFoundError = Error & {
  __typename?: 'MemberNotFoundError';
  message: Scalars['String']['output'];
  principal: Scalars['String']['output'];
  workspace: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  addWorkspaceMember: AddWorkspaceMemberResult;
  cancelJob: CancelJobResult;
  createJob: CreateJobResult;
  /** Deletes a completed, failed or cancelled job. */
  deleteJob: DeleteJobResult;
  pauseJob: PauseJobResult;
  /** Takes every role of a member away; the result is what it held. */
  removeWorkspaceMember: RemoveWorkspaceMemberResult;
  /** Replaces a member’s roles: roles it keeps keep their grant, new ones are granted now. */
  replaceWorkspaceMemberRoles: ReplaceWorkspaceMemberRolesResult;
  resumeJob: ResumeJobResult;
};


export type MutationAddWorkspaceMemberArgs = {
  input: WorkspaceMemberInput;
  workspace: Scalars['String']['input'];
};


export type MutationCancelJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


export type MutationCreateJobArgs = {
  input: CreateJobInput;
  workspace: Scalars['String']['input'];
};


export type MutationDeleteJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


export type MutationPauseJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


export type MutationRemoveWorkspaceMemberArgs = {
  principal: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


export type MutationReplaceWorkspaceMemberRolesArgs = {
  principal: Scalars['String']['input'];
  roles: Array<WorkspaceRole>;
  workspace: Scalars['String']['input'];
};


export type MutationResumeJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};

/** The caller may not do this here: its roles in the workspace, or its token's scopes, do not allow it. */
export type NotAuthorizedError = Error & {
  __typename?: 'NotAuthorizedError';
  message: Scalars['String']['output'];
  /** Whether the principal's roles or the token's scopes refused it. */
  reason: NotAuthorizedReason;
};

export type NotAuthorizedReason =
  | 'ROLE'
  | 'SCOPE';

export type OrderDirection =
  | 'ASC'
  | 'DESC';

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor?: Maybe<Scalars['String']['output']>;
};

export type PauseJobResult = JobNotFoundError | JobStateConflictError | NotAuthorizedError | PauseJobSuccess;

export type PauseJobSuccess = {
  __typename?: 'PauseJobSuccess';
  job: Job;
};

export type Query = {
  __typename?: 'Query';
  job?: Maybe<Job>;
  /** Jobs of a workspace, newest first unless ordered otherwise. At most 100 per page. */
  jobs: JobConnection;
  /** The workspace's members and their roles. */
  workspaceMembers: Array<WorkspaceMember>;
};


export type QueryJobArgs = {
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};


export type QueryJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<JobFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<JobOrderBy>;
  workspace: Scalars['String']['input'];
};


export type QueryWorkspaceMembersArgs = {
  workspace: Scalars['String']['input'];
};

export type RemoveWorkspaceMemberResult = LastAdminError | MemberNotFoundError | NotAuthorizedError | RemoveWorkspaceMemberSuccess;

export type RemoveWorkspaceMemberSuccess = {
  __typename?: 'RemoveWorkspaceMemberSuccess';
  member: WorkspaceMember;
};

export type ReplaceWorkspaceMemberRolesResult = LastAdminError | MemberNotFoundError | NotAuthorizedError | ReplaceWorkspaceMemberRolesSuccess | ValidationError;

export type ReplaceWorkspaceMemberRolesSuccess = {
  __typename?: 'ReplaceWorkspaceMemberRolesSuccess';
  member: WorkspaceMember;
};

export type ResumeJobResult = JobNotFoundError | JobStateConflictError | NotAuthorizedError | ResumeJobSuccess;

export type ResumeJobSuccess = {
  __typename?: 'ResumeJobSuccess';
  job: Job;
};

export type SecretRef = {
  __typename?: 'SecretRef';
  name: Scalars['String']['output'];
};

export type SecretRefInput = {
  name: Scalars['String']['input'];
};

export type StepLifecycle = {
  __typename?: 'StepLifecycle';
  pauseDeadlineSeconds?: Maybe<Scalars['Int']['output']>;
  stalenessTimeoutSeconds: Scalars['Int']['output'];
};

export type StepLifecycleInput = {
  /** How long a running step may take to checkpoint and exit once paused; 0 (the default for subprocess steps) = cannot be paused while it runs. */
  pauseDeadlineSeconds?: InputMaybe<Scalars['Int']['input']>;
  stalenessTimeoutSeconds?: InputMaybe<Scalars['Int']['input']>;
};

export type StepSpec = {
  __typename?: 'StepSpec';
  config?: Maybe<Scalars['JSON']['output']>;
  environment?: Maybe<Array<EnvironmentVariable>>;
  executor: Executor;
  lifecycle?: Maybe<StepLifecycle>;
  name: Scalars['String']['output'];
};

export type StepSpecInput = {
  config?: InputMaybe<Scalars['JSON']['input']>;
  environment?: InputMaybe<Array<EnvironmentVariableInput>>;
  executor: ExecutorInput;
  lifecycle?: InputMaybe<StepLifecycleInput>;
  name: Scalars['String']['input'];
};

/** Runs the step as a host subprocess. */
export type SubprocessExecutor = Executor & {
  __typename?: 'SubprocessExecutor';
  command: Array<Scalars['String']['output']>;
  profile: Scalars['String']['output'];
  provider: ExecutorProvider;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Every status change in a workspace, in order; with `after`, replayed from that cursor first. */
  jobEvents: JobStatusEvent;
  /** One job's status: first its current state (or, with `after`, every change since that cursor), then every change in order; completes after a terminal status. */
  jobStatus: JobStatusEvent;
};


export type SubscriptionJobEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  workspace: Scalars['String']['input'];
};


export type SubscriptionJobStatusArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  workspace: Scalars['String']['input'];
};

export type ValidationError = Error & {
  __typename?: 'ValidationError';
  issues: Array<ValidationIssue>;
  message: Scalars['String']['output'];
};

export type ValidationIssue = {
  __typename?: 'ValidationIssue';
  message: Scalars['String']['output'];
  path: Array<Scalars['String']['output']>;
};

export type WorkspaceMember = {
  __typename?: 'WorkspaceMember';
  /** When its earliest role still held was granted. */
  grantedAt: Scalars['DateTime']['output'];
  grantedBy: Scalars['String']['output'];
  /** An email, a subject, or `*` for every authenticated principal. */
  principal: Scalars['String']['output'];
  roles: Array<WorkspaceRole>;
};

export type WorkspaceMemberInput = {
  principal: Scalars['String']['input'];
  /** Editor when not given. */
  roles?: InputMaybe<Array<WorkspaceRole>>;
};

/** Viewer reads jobs; Editor also creates and controls them; Admin also manages members; JobRunner reports step status and logs. */
export type WorkspaceRole =
  | 'Admin'
  | 'Editor'
  | 'JobRunner'
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