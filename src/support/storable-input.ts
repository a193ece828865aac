/**
 * What the database cannot store, found in a client's input before it gets that far, so the
 * client hears which field is wrong instead of an internal error:
 * - NUL in a string: PostgreSQL's text and jsonb refuse it;
 * - a lone UTF-16 surrogate: it has no UTF-8 form, and would be stored as U+FFFD, silently changed;
 * - JSON nested deeper than MAX_INPUT_DEPTH: writing it out again overflows the stack.
 * Object keys are checked like values. The walk is iterative, so no input can exhaust the stack.
 */

/** Enough for any real configuration; far below where serialising would fail. */
export const MAX_INPUT_DEPTH = 64;

export type InputPath = (string | number)[];

export type UnstorableInput =
  { problem: 'nul' | 'surrogate'; path: InputPath; value: string } | { problem: 'depth'; path: InputPath };

export const UNSTORABLE_MESSAGES = {
  nul: 'text must not contain NUL characters (\\u0000)',
  surrogate: 'text must be valid Unicode (it holds an unpaired surrogate)',
  depth: `input must not be nested more than ${MAX_INPUT_DEPTH} levels deep`,
} as const;

// Any NUL, or a high surrogate not followed by a low one, or a low one not preceded by a high one.
const NUL = /\0/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): 'nul' | 'surrogate' | undefined {
  if (NUL.test(text)) return 'nul';
  if (LONE_SURROGATE.test(text)) return 'surrogate';
  return undefined;
}

/** The first thing in `input` the database could not store, or undefined when all of it can be. */
export function findUnstorableInput(input: unknown): UnstorableInput | undefined {
  const pending: { value: unknown; path: InputPath }[] = [{ value: input, path: [] }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { problem, path, value };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= MAX_INPUT_DEPTH) return { problem: 'depth', path };
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    // Pushed in reverse so the first problem in document order is the one reported.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      if (typeof key === 'string') {
        const problem = textProblem(key);
        if (problem) return { problem, path: [...path, key], value: key };
      }
      pending.push({ value: item, path: [...path, key] });
    }
  }
  return undefined;
}
