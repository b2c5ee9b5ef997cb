/** zod issues as field errors with JSON pointers, in words written for people rather than zod's own. */
import type { ZodError } from 'zod';
import type { FieldError } from './errors.js';

/** Field errors with JSON pointers into the request part that failed (`json`: the body; else `#/path`, `#/query`, …). */
export function zodFieldErrors(error: ZodError, target: string): FieldError[] {
  const prefix = target === 'json' ? '' : `#/${target === 'param' ? 'path' : target}`;
  return error.issues.slice(0, 20).map((issue) => {
    const pointer = `${prefix}/${issue.path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
    return { pointer: pointer === '/' ? '' : pointer, message: describeIssue(issue) };
  });
}

const article = (noun: string): string => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

function describeIssue(issue: ZodError['issues'][number]): string {
  switch (issue.code) {
    case 'invalid_union':
      return 'must be a non-negative integer, as a JSON number or a decimal string';
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      const expected = issue.expected === 'nan' ? 'number' : String(issue.expected);
      if (received === 'undefined') return `is required: give ${article(expected)}`;
      return `must be ${article(expected)}${received === undefined ? '' : `, not ${article(received)}`}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `must have at least ${issue.minimum} character${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `must have at most ${issue.maximum} items: split the request`;
      if (issue.origin === 'string') return `must have at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'}`;
    default:
      return issue.message;
  }
}
