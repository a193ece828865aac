/** The largest request body any door reads (REST JSON, GraphQL documents with their variables). */
export const MAX_BODY_BYTES = 1024 * 1024;
