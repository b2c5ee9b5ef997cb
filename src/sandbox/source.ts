/**
 * User sources before they reach V8: size checks (cheap enough for the HTTP edge to call
 * first), a digest that names a function set, syntax-error messages turned into line and
 * column, and throw-site marking.
 *
 * Throw-site marking: JavaScript cannot tell where a non-Error value was thrown (a string
 * has no stack), and V8's own record of it never reaches the host through isolated-vm. So
 * every `throw x` is rewritten, with acorn's positions, into
 * `throw __crunch_throw_site__((x), 'map', line, column)`, which records the site in the
 * engine and returns x unchanged. Insertions stay on their line, so line numbers hold (only
 * columns after a throw on the same line move). Source that acorn cannot parse, but V8 can,
 * runs unmarked.
 */
import { createHash } from 'node:crypto';
import { parse } from 'acorn';
import { SandboxLimitError, SandboxSyntaxError } from './errors.js';
import type { SandboxFunctionName, SandboxFunctions } from './types.js';

export const FUNCTION_NAMES: readonly SandboxFunctionName[] = ['map', 'combine', 'reduce'];

export function sourcesOf(functions: SandboxFunctions): Array<[SandboxFunctionName, string]> {
  const found: Array<[SandboxFunctionName, string]> = [['map', functions.map]];
  if (functions.combine !== undefined) found.push(['combine', functions.combine]);
  found.push(['reduce', functions.reduce]);
  return found;
}

/** Throws SandboxLimitError('source') for a source over `maxSourceBytes` of UTF-8. */
export function checkSourceSizes(functions: SandboxFunctions, maxSourceBytes: number): void {
  for (const [name, source] of sourcesOf(functions)) {
    const bytes = Buffer.byteLength(source, 'utf8');
    if (bytes > maxSourceBytes) {
      throw new SandboxLimitError(
        `the ${name} source is ${bytes} bytes; at most ${maxSourceBytes} are allowed`,
        'source',
        maxSourceBytes,
        'bytes',
        { function: name },
      );
    }
  }
}

/** sha-256 over the sources (with their names, so moving code between functions changes it). */
export function functionsDigest(functions: SandboxFunctions): string {
  const hash = createHash('sha256');
  for (const [name, source] of sourcesOf(functions)) hash.update(`${name}\0${Buffer.byteLength(source)}\0${source}`);
  return hash.digest('hex');
}

/** isolated-vm appends `[file:line:column]` (1-based) to V8's message. */
const LOCATED = /^([\s\S]*) \[(?:map|combine|reduce)\.js:(\d+):(\d+)\]$/;

export function syntaxErrorOf(name: SandboxFunctionName, message: string): SandboxSyntaxError {
  const found = LOCATED.exec(message);
  if (found === null) return new SandboxSyntaxError(`syntax error in ${name}: ${message}`, { function: name });
  const [, text, line, column] = found as unknown as [string, string, string, string];
  return new SandboxSyntaxError(`syntax error in ${name} at line ${line}, column ${column}: ${text}`, {
    function: name,
    line: Number(line),
    column: Number(column),
  });
}

interface AstNode {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly loc?: { readonly start: { readonly line: number; readonly column: number } };
  readonly argument?: AstNode;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function visit(node: AstNode, found: AstNode[]): void {
  if (node.type === 'ThrowStatement') found.push(node);
  for (const key in node) {
    if (key === 'loc') continue;
    const child = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(child)) {
      for (const item of child) if (isNode(item)) visit(item, found);
    } else if (isNode(child)) {
      visit(child, found);
    }
  }
}

/** The source with every throw marked (see the header), or unchanged when acorn cannot read it. */
export function markThrowSites(name: SandboxFunctionName, source: string): string {
  const throws: AstNode[] = [];
  try {
    visit(parse(source, { ecmaVersion: 'latest', sourceType: 'script', locations: true }) as unknown as AstNode, throws);
  } catch {
    // Syntax acorn does not know yet, or nesting deep enough to exhaust the stack: run as is.
    return source;
  }
  const edits: Array<{ at: number; text: string }> = [];
  for (const node of throws) {
    if (node.argument === undefined || node.loc === undefined) continue;
    const { line, column } = node.loc.start;
    edits.push({ at: node.argument.start, text: '__crunch_throw_site__((' });
    edits.push({ at: node.argument.end, text: `), '${name}', ${line}, ${column + 1})` });
  }
  // From the end backwards, so earlier offsets stay valid; nested throws nest their edits.
  edits.sort((a, b) => b.at - a.at);
  let marked = source;
  for (const edit of edits) marked = marked.slice(0, edit.at) + edit.text + marked.slice(edit.at);
  return marked;
}

/** What the engine evaluates: marked source, named so stack frames read `map.js:line:column`. */
export function evaluableSource(name: SandboxFunctionName, source: string): string {
  return `${markThrowSites(name, source)}\n//# sourceURL=${name}.js`;
}
