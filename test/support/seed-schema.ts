/** Validates bodies against the schemas of the seed contract's OpenAPI document. */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const document = parse(
  readFileSync(new URL('../contract/seed-pause-job.openapi.yaml', import.meta.url), 'utf8'),
) as { components: { schemas: Record<string, unknown> } };

const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true });
addFormats(ajv);
ajv.addSchema({ $id: 'seed', components: document.components });

/** Errors of `body` against the seed's `#/components/schemas/<name>`, or [] when it conforms. */
export function seedSchemaErrors(name: string, body: unknown): string[] {
  const validate = ajv.getSchema(`seed#/components/schemas/${name}`)!;
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
