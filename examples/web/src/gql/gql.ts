/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query WorkspaceJobs($workspace: String!) {\n    jobs(workspace: $workspace, first: 100) {\n      totalCount\n      nodes {\n        workspace\n        name\n        status\n        updatedAt\n      }\n    }\n  }\n": typeof types.WorkspaceJobsDocument,
    "\n  mutation PauseJob($workspace: String!, $name: String!) {\n    pauseJob(workspace: $workspace, name: $name) {\n      __typename\n      ... on PauseJobSuccess {\n        job {\n          workspace\n          name\n          status\n        }\n      }\n      ... on JobStateConflictError {\n        message\n        status\n      }\n      ... on JobNotFoundError {\n        message\n      }\n      ... on NotAuthorizedError {\n        message\n        reason\n      }\n    }\n  }\n": typeof types.PauseJobDocument,
    "\n  subscription JobStatus($workspace: String!, $name: String!) {\n    jobStatus(workspace: $workspace, name: $name) {\n      cursor\n      status\n      previousStatus\n      occurredAt\n    }\n  }\n": typeof types.JobStatusDocument,
};
const documents: Documents = {
    "\n  query WorkspaceJobs($workspace: String!) {\n    jobs(workspace: $workspace, first: 100) {\n      totalCount\n      nodes {\n        workspace\n        name\n        status\n        updatedAt\n      }\n    }\n  }\n": types.WorkspaceJobsDocument,
    "\n  mutation PauseJob($workspace: String!, $name: String!) {\n    pauseJob(workspace: $workspace, name: $name) {\n      __typename\n      ... on PauseJobSuccess {\n        job {\n          workspace\n          name\n          status\n        }\n      }\n      ... on JobStateConflictError {\n        message\n        status\n      }\n      ... on JobNotFoundError {\n        message\n      }\n      ... on NotAuthorizedError {\n        message\n        reason\n      }\n    }\n  }\n": types.PauseJobDocument,
    "\n  subscription JobStatus($workspace: String!, $name: String!) {\n    jobStatus(workspace: $workspace, name: $name) {\n      cursor\n      status\n      previousStatus\n      occurredAt\n    }\n  }\n": types.JobStatusDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkspaceJobs($workspace: String!) {\n    jobs(workspace: $workspace, first: 100) {\n      totalCount\n      nodes {\n        workspace\n        name\n        status\n        updatedAt\n      }\n    }\n  }\n"): typeof import('./graphql').WorkspaceJobsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PauseJob($workspace: String!, $name: String!) {\n    pauseJob(workspace: $workspace, name: $name) {\n      __typename\n      ... on PauseJobSuccess {\n        job {\n          workspace\n          name\n          status\n        }\n      }\n      ... on JobStateConflictError {\n        message\n        status\n      }\n      ... on JobNotFoundError {\n        message\n      }\n      ... on NotAuthorizedError {\n        message\n        reason\n      }\n    }\n  }\n"): typeof import('./graphql').PauseJobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription JobStatus($workspace: String!, $name: String!) {\n    jobStatus(workspace: $workspace, name: $name) {\n      cursor\n      status\n      previousStatus\n      occurredAt\n    }\n  }\n"): typeof import('./graphql').JobStatusDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
