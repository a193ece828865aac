/**
 * graphql-codegen for the browser example: typed documents from the repository's schema.graphql
 * and the operations written in src/, plus the persisted-documents manifest a gateway in
 * trusted-documents mode reads. `npm run examples:web:codegen` regenerates src/gql/.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const here = (path: string) => new URL(path, import.meta.url).pathname;

const config: CodegenConfig = {
  schema: here('../../schema.graphql'),
  documents: [here('src/**/*.ts'), `!${here('src/gql/**')}`],
  ignoreNoDocuments: false,
  generates: {
    [here('src/gql/')]: {
      preset: 'client',
      presetConfig: {
        // No fragments to mask in a page this small.
        fragmentMasking: false,
        // Each document carries its hash (`__meta__.hash`); the manifest maps hash → document.
        // sha256, so the hash can be sent as `extensions.persistedQuery.sha256Hash` truthfully.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        // Documents as strings (TypedDocumentString): sent with fetch as they are, no GraphQL
        // runtime in the bundle.
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
