/** The largest request body any door reads (REST JSON, GraphQL documents with their variables). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The longest workspace name a request that writes may give (255 characters, as on the platform):
 * the name is part of index keys (jobs, role bindings), which PostgreSQL caps at about 2.7 KB.
 */
export const MAX_WORKSPACE_NAME_LENGTH = 255;
