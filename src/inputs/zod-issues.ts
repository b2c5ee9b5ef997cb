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

/** zod's own words for a type: `int` and `nan` read as what a person would send. */
function typeName(name: string): string {
  if (name === 'nan' || name === 'NaN') return 'number';
  if (name === 'int' || name === 'int32' || name === 'uint32') return 'whole number';
  return name;
}

function describeIssue(issue: ZodError['issues'][number]): string {
  switch (issue.code) {
    case 'invalid_union':
      return 'must be a non-negative integer, as a JSON number or a decimal string';
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      const expected = typeName(String(issue.expected));
      if (received === 'undefined') return `is required: give ${article(expected)}`;
      // A number that did not parse (coercion gives NaN): "not a NaN" says nothing to a person.
      if (received === undefined || received === 'NaN') return `must be ${article(expected)}`;
      return `must be ${article(expected)}, not ${article(typeName(received))}`;
    }
    case 'too_small': {
      const bound = issue.inclusive === false ? 'more than' : 'at least';
      if (issue.origin === 'array') return `must have ${bound} ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `must have ${bound} ${issue.minimum} character${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `must be ${bound} ${issue.minimum}`;
    }
    case 'too_big': {
      const bound = issue.inclusive === false ? 'less than' : 'at most';
      if (issue.origin === 'array') return `must have ${bound} ${issue.maximum} items: split the request`;
      if (issue.origin === 'string') return `must have ${bound} ${issue.maximum} characters`;
      return `must be ${bound} ${issue.maximum}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue && typeof issue.pattern === 'string'
        ? `must match the pattern ${issue.pattern}`
        : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_key':
      return 'has a key that is not allowed';
    case 'invalid_element':
      return 'has an item that is not allowed';
    case 'custom':
      // Our own checks write their messages for people already.
      return issue.message;
    default:
      return 'is not acceptable';
  }
}
