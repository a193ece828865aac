/**
 * Prints the GraphQL schema to schema.graphql (`npm run schema:print`), or with `--check` exits 1
 * when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema/index.js';

const file = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const printed = `${printSchema(schema)}\n`;

if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== printed) {
    console.error('schema.graphql is stale: run `npm run schema:print`.');
    process.exit(1);
  }
} else {
  writeFileSync(file, printed);
}
