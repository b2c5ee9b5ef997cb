/**
 * Access log lines written as pino writes them, from fields already in JSON. pino's own
 * path (a record object, its keys walked and each value stringified, hooks and mixins
 * consulted) was the largest cost left of the cheapest request (issue 14). The inline lane
 * knows its fields are safe JSON as they are (an id matching its pattern, a path of digits),
 * so it hands over the text; the line is pino's byte for byte: level, time, the logger's
 * bindings, the fields, the message. Loggers that shape their lines (a mixin, formatters.log,
 * a nested key, hooks, redaction, serializers beyond `err`, a message prefix, a multistream)
 * get no writer, and their callers log through pino.
 */
import { type Logger, pino } from 'pino';

const symbols = pino.symbols;
/** Present at run time, missing from pino's type of `symbols`. */
const msgPrefixSym = (symbols as unknown as Record<string, symbol>)['msgPrefixSym'];

type PinoInternals = Record<symbol, unknown>;

/** Writes `{"level":30,"time":…<bindings><fields>,"msg":"<message>"}` at info, or undefined if the logger shapes its lines. */
export function infoLineWriter(logger: Logger, message: string): ((fields: string) => void) | undefined {
  const internals = logger as unknown as PinoInternals;
  const formatters = internals[symbols.formattersSym] as { log?: unknown } | undefined;
  const hooks = internals[symbols.hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  const serializers = Object.keys((internals[symbols.serializersSym] as object | undefined) ?? {});
  const stream = internals[symbols.streamSym] as ({ write(line: string): unknown } & PinoInternals) | undefined;
  const levelPrefix = (internals[symbols.lsCacheSym] as Record<number, string> | undefined)?.[30];
  const time = internals[symbols.timeSym];
  const end = internals[symbols.endSym];
  const plain =
    internals[symbols.mixinSym] === undefined &&
    formatters?.log === undefined &&
    (internals[symbols.nestedKeySym] ?? null) === null &&
    hooks?.logMethod === undefined &&
    hooks?.streamWrite === undefined &&
    internals[symbols.redactFmtSym] === undefined &&
    (msgPrefixSym === undefined || internals[msgPrefixSym] === undefined) &&
    internals[symbols.messageKeySym] === 'msg' &&
    serializers.every((key) => key === 'err') &&
    stream !== undefined &&
    stream[symbols.needsMetadataGsym] !== true &&
    typeof levelPrefix === 'string' &&
    typeof time === 'function' &&
    typeof end === 'string';
  if (!plain) return undefined;
  const tail = `,"msg":${JSON.stringify(message)}${end}`;
  return (fields) => {
    // Bindings are read per line: a logger's child bindings may change (setBindings).
    stream.write(levelPrefix + (time as () => string)() + (internals[symbols.chindingsSym] as string) + fields + tail);
  };
}
