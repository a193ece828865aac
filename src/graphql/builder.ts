/** The Pothos schema builder: its plugins, context and scalar types. Nothing else lives here. */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import ZodPlugin from '@pothos/plugin-zod';
import type { GraphQLContext } from './context.js';
import { InputValidationError } from './input-validation.js';

const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1);

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: Date; Output: Date };
  };
}>({
  // Errors first, so a failed argument validation becomes a typed `ValidationError` result.
  plugins: [ErrorsPlugin, ZodPlugin],
  defaultFieldNullability: false,
  errors: {
    unsafelyHandleInputErrors: true,
    defaultResultOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Success` },
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
  },
  zod: {
    validationError: (error) => InputValidationError.fromZod(error),
  },
});
