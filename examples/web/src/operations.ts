/**
 * The page's GraphQL operations. graphql-codegen reads them from here and generates their types
 * (src/gql/); `graphql()` returns the typed document for each text. The page reads jobs by
 * `workspace` and `name` only: the pair that names a job to every door of the gateway.
 */
import { graphql } from './gql/index.js';

export const WorkspaceJobs = graphql(`
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
`);

export const PauseJob = graphql(`
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
`);

export const JobStatus = graphql(`
  subscription JobStatus($workspace: String!, $name: String!) {
    jobStatus(workspace: $workspace, name: $name) {
      cursor
      status
      previousStatus
      occurredAt
    }
  }
`);
