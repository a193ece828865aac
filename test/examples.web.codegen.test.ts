/** The committed examples/web/src/gql/ is what graphql-codegen makes of today's schema and documents. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../examples/web/codegen.js';

const generated = new URL('../examples/web/src/gql/', import.meta.url).pathname;

describe('examples/web generated client', () => {
  it('is current: run `npm run examples:web:codegen` after changing the schema or the page’s operations', async () => {
    const outputs: { filename: string; content: string }[] = await generate(config, false);
    const expected = new Map(outputs.map(({ filename, content }) => [join(filename), content]));
    expect([...expected.keys()].sort()).toEqual(
      readdirSync(generated)
        .map((name) => join(generated, name))
        .sort(),
    );
    for (const [filename, content] of expected)
      expect(readFileSync(filename, 'utf8'), filename).toBe(content);
    // The persisted-documents manifest holds every operation the page sends, each under the
    // sha256 of its text, so a gateway can check a hash as well as look it up.
    const manifest: Record<string, string> = JSON.parse(
      expected.get(join(generated, 'persisted-documents.json')) ?? '{}',
    );
    expect(Object.values(manifest).map((text) => text.split(/[ (]/, 2)[1])).toEqual([
      'WorkspaceJobs',
      'PauseJob',
      'JobStatus',
    ]);
    for (const [hash, text] of Object.entries(manifest)) {
      expect(createHash('sha256').update(text).digest('hex')).toBe(hash);
    }
  });
});
