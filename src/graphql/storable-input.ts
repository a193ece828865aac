/**
 * The database's limits on text (no NUL, no lone surrogate, bounded nesting) on the GraphQL
 * doors: string literals in a document are checked by a validation rule, so once per document
 * (validation is cached), and variables once per operation. Both answer BAD_USER_INPUT naming the
 * argument or variable, as any other mistake in an argument.
 */
import { GraphQLError, Kind, type ASTNode, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { findUnstorableInput, UNSTORABLE_MESSAGES } from '../support/storable-input.js';

const badUserInput = (message: string, nodes?: ASTNode) =>
  new GraphQLError(message, { nodes, extensions: { code: 'BAD_USER_INPUT' } });

/** Where in the document a literal sits: `Argument "name" of "createJob"`, or the field alone. */
function placeOf(ancestors: readonly (ASTNode | readonly ASTNode[])[]): string {
  let argument: string | undefined;
  let field: string | undefined;
  for (const ancestor of ancestors) {
    if ('kind' in ancestor && ancestor.kind === Kind.ARGUMENT) argument = ancestor.name.value;
    if ('kind' in ancestor && ancestor.kind === Kind.FIELD) field = ancestor.name.value;
  }
  if (argument && field) return `Argument "${argument}" of "${field}"`;
  return field ? `An argument of "${field}"` : 'A string in the document';
}

export const storableLiteralsRule: ValidationRule = (context) => ({
  StringValue(node, _key, parent, _path, ancestors) {
    const found = findUnstorableInput(node.value);
    if (!found) return;
    // The parent is not among the ancestors: a literal's argument is often its parent.
    const place = placeOf([...ancestors, parent as ASTNode]);
    context.reportError(badUserInput(`${place}: ${UNSTORABLE_MESSAGES[found.problem]}.`, node));
  },
});

/** The error for the first variable value the database could not store, if any. */
export function unstorableVariables(variables: unknown): GraphQLError | undefined {
  const found = findUnstorableInput(variables ?? {});
  if (!found) return undefined;
  const [name, ...path] = found.path;
  const at = path.length > 0 ? ` at "${path.join('.')}"` : '';
  return badUserInput(`Variable "$${String(name)}"${at}: ${UNSTORABLE_MESSAGES[found.problem]}.`);
}

/** For Yoga (HTTP and SSE): the rule joins validation, variables are checked before execution. */
export const storableInputPlugin: Plugin = {
  onValidate: ({ addValidationRule }) => addValidationRule(storableLiteralsRule),
  onParams: ({ params, setResult }) => {
    const error = unstorableVariables(params.variables);
    if (error) setResult({ errors: [error] });
  },
};
