/** The committed schema.graphql is the printed Pothos schema. */
import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema/index.js';

describe('schema.graphql', () => {
  it('is current: run `npm run schema:print` after changing the schema', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(`${printSchema(schema)}\n`);
  });
});
