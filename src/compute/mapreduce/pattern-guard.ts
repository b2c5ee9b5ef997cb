/**
 * Refuses grep patterns that can make a backtracking regex engine run for exponential
 * (or very long polynomial) time, before they are compiled. V8's Irregexp backtracks, so
 * the only sure protection is not to accept the dangerous constructs at all:
 *
 * - patterns longer than MAX_PATTERN_LENGTH UTF-16 units;
 * - backreferences (`\1`..`\9`, `\k<name>`);
 * - lookarounds (`(?=`, `(?!`, `(?<=`, `(?<!`);
 * - nested quantifiers: a quantified group that contains a quantifier (`(a+)+`, `(a*b?)*`);
 * - quantified alternation: a quantified group that contains `|` (`(a|a)*`): overlapping
 *   alternatives backtrack exponentially; use a character class (`[ab]*`) instead;
 * - counted repetition above MAX_REPEAT (`a{5000}`).
 *
 * Everything else is compiled as a JavaScript regex with the `u` flag (so the syntax is
 * strict and `.` is a code point). Quadratic cases such as `a*a*a*b` remain possible; the
 * caller bounds them with the pool deadline.
 */

export const MAX_PATTERN_LENGTH = 256;
export const MAX_REPEAT = 1000;

export type PatternRefusal =
  | 'too-long'
  | 'backreference'
  | 'lookaround'
  | 'nested-quantifier'
  | 'quantified-alternation'
  | 'large-repeat'
  | 'invalid';

/** A refused or invalid pattern: the HTTP layer answers 4xx with `reason` and the message. */
export class PatternRefusedError extends Error {
  override readonly name = 'PatternRefusedError';
  readonly code = 'pattern-refused';
  constructor(
    readonly reason: PatternRefusal,
    message: string,
  ) {
    super(message);
  }
}

interface Group {
  quantifier: boolean;
  alternation: boolean;
}

/** Throws PatternRefusedError unless `source` is acceptable; see the module doc for the rules. */
export function checkPattern(source: string): void {
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new PatternRefusedError('too-long', `pattern is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed`);
  }
  const stack: Group[] = [{ quantifier: false, alternation: false }];
  // What a quantifier right here would apply to: nothing, a plain atom, or a closed group.
  let last: 'none' | 'atom' | Group = 'none';
  let i = 0;
  const n = source.length;
  while (i < n) {
    const ch = source[i]!;
    const top = stack[stack.length - 1]!;
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')) {
        throw new PatternRefusedError('backreference', `backreferences (\\${next}…) are not allowed in patterns`);
      }
      i += 2;
      // \p{…}, \P{…} and \u{…} carry braces that are not a quantifier.
      if ((next === 'p' || next === 'P' || next === 'u') && source[i] === '{') {
        const close = source.indexOf('}', i);
        i = close === -1 ? n : close + 1;
      }
      last = 'atom';
      continue;
    }
    if (ch === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < n && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      last = 'atom';
      continue;
    }
    if (ch === '(') {
      if (source[i + 1] === '?') {
        const a = source[i + 2];
        const b = source[i + 3];
        if (a === '=' || a === '!' || (a === '<' && (b === '=' || b === '!'))) {
          throw new PatternRefusedError('lookaround', 'lookahead and lookbehind groups ((?=, (?!, (?<=, (?<!) are not allowed in patterns');
        }
      }
      stack.push({ quantifier: false, alternation: false });
      i++;
      // Skip the group's `?:` or `?<name>` prefix: that `?` is not a quantifier.
      if (source[i] === '?') {
        if (source[i + 1] === '<') {
          const close = source.indexOf('>', i);
          i = close === -1 ? n : close + 1;
        } else {
          i += 2;
        }
      }
      last = 'none';
      continue;
    }
    if (ch === ')') {
      if (stack.length > 1) {
        const group = stack.pop()!;
        const parent = stack[stack.length - 1]!;
        parent.quantifier ||= group.quantifier;
        last = group;
      } else {
        last = 'atom';
      }
      i++;
      continue;
    }
    if (ch === '|') {
      top.alternation = true;
      last = 'none';
      i++;
      continue;
    }
    if (ch === '*' || ch === '+' || ch === '?' || ch === '{') {
      let end = i + 1;
      if (ch === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
        if (m === null) {
          // Not a quantifier; the `u` flag makes RegExp reject a lone brace below.
          i++;
          last = 'atom';
          continue;
        }
        const lo = Number(m[1]);
        const hi = m[3] === undefined || m[3] === '' ? lo : Number(m[3]);
        if (lo > MAX_REPEAT || hi > MAX_REPEAT) {
          throw new PatternRefusedError('large-repeat', `counted repetition above {${MAX_REPEAT}} is not allowed in patterns`);
        }
        end = i + m[0].length;
      }
      if (typeof last === 'object') {
        if (last.quantifier) {
          throw new PatternRefusedError('nested-quantifier', 'a quantified group may not contain a quantifier (as in (a+)+): it can backtrack exponentially');
        }
        if (last.alternation) {
          throw new PatternRefusedError('quantified-alternation', 'a quantified group may not contain | (as in (a|b)*): use a character class such as [ab]* instead');
        }
      }
      top.quantifier = true;
      if (source[end] === '?') end++; // lazy quantifier
      i = end;
      last = 'none';
      continue;
    }
    i++;
    last = 'atom';
  }
}

/** Returns a line predicate for a grep job; throws PatternRefusedError on refused or invalid patterns. */
export function compileLineMatcher(pattern: string, literal: boolean, ignoreCase: boolean): (line: string) => boolean {
  if (literal) {
    if (pattern.length > 64 * MAX_PATTERN_LENGTH) {
      throw new PatternRefusedError('too-long', `literal pattern is ${pattern.length} characters long; at most ${64 * MAX_PATTERN_LENGTH} are allowed`);
    }
    if (!ignoreCase) return (line) => line.includes(pattern);
    const folded = pattern.toLowerCase();
    return (line) => line.toLowerCase().includes(folded);
  }
  checkPattern(pattern);
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, ignoreCase ? 'iu' : 'u');
  } catch (cause) {
    throw new PatternRefusedError('invalid', `invalid regular expression: ${(cause as Error).message}`);
  }
  return (line) => regex.test(line);
}
