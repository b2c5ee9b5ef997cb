/**
 * The engine that runs INSIDE the sandbox: it loads the user's sources, calls map over a
 * batch of documents collecting emit(key, value), applies combine, partitions by a stable
 * key hash, and on the reduce side regroups and calls reduce per key. It is JavaScript
 * source text (not a module) because it is evaluated in a fresh V8 context; the bench runs
 * the same text in plain Node as the unsandboxed baseline.
 *
 * Trust: user code shares this context and may rewrite any built-in, so the engine only
 * keeps its own bookkeeping (emit count, the first failure, the last throw site) in closure
 * variables user code cannot reach, and captures what it needs before user code runs.
 * Whatever the user does can only spoil that user's own results: the host checks sizes and
 * parses the output outside the context, and memory, CPU and stack are enforced by V8 and
 * the host process, not here.
 *
 * Everything crosses the boundary as strings: documents and map outputs as JSON text, the
 * answer as an array of strings whose first element is a JSON header (`ok`, counts, or a
 * failure record). A thrown value stays inside; `describe` reads it afterwards, under its
 * own time limit, without calling its toString or any getter.
 */

/** `createEngine(global, evaluate, lockdown)`: returns the dispatch function the host calls. */
export const HARNESS_SOURCE = String.raw`(function createEngine(global, evaluate, lockdown) {
  'use strict';
  const JSONParse = JSON.parse;
  const JSONStringify = JSON.stringify;
  const ObjectIs = Object.is;
  const ReflectApply = Reflect.apply;
  const getOwnDescriptor = Reflect.getOwnPropertyDescriptor;
  const getPrototypeOf = Reflect.getPrototypeOf;
  const defineProperty = Reflect.defineProperty;
  const NumberIsFinite = Number.isFinite;
  const StringFn = String;
  const symbolToString = Symbol.prototype.toString;
  const stringIndexOf = String.prototype.indexOf;
  const stringSlice = String.prototype.slice;
  const stringCharCodeAt = String.prototype.charCodeAt;
  const stringTrim = String.prototype.trim;
  const regexpExec = RegExp.prototype.exec;
  const arraySort = Array.prototype.sort;
  const mapForEach = Map.prototype.forEach;
  const MapCtor = Map;
  const ArrayCtor = Array;
  const ErrorCtor = Error;
  const PromisePrototype = Promise.prototype;
  const MathImul = Math.imul;
  const USER_FRAME = /\n\s+at [^\n]*?\b(map|combine|reduce)\.js:(\d+):(\d+)/;

  if (lockdown) {
    // No blocking waits (Atomics.wait burns wall time, not CPU), no shared memory, and no
    // WebAssembly: its memory is not counted by the isolate's memory limit.
    for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly']) delete global[name];
  }

  // The last throw statement executed in user code: the host rewrites "throw x" into
  // "throw __crunch_throw_site__((x), 'map', line, column)", so even a thrown string or a
  // hostile object gets a line number.
  let throwValue;
  let throwSite = null;
  const markThrow = function (value, fn, line, column) {
    throwValue = value;
    throwSite = { fn: fn, line: line, column: column };
    return value;
  };
  defineProperty(global, '__crunch_throw_site__', { value: markThrow, writable: false, enumerable: false, configurable: false });

  const fns = { map: undefined, combine: undefined, reduce: undefined };
  let pending = null; // the value user code threw, kept for describe()
  let failure = null; // the first contract or limit failure, sticky even if user code catches it
  let phase = 'load';
  let currentFn = 'map';
  let currentDocument = -1;
  let hasKey = false;
  let currentKey = null;

  function callerSite() {
    // The frame of user code that called into the engine (emit), for the message.
    try {
      const saved = ErrorCtor.stackTraceLimit;
      ErrorCtor.stackTraceLimit = 20;
      defineProperty(ErrorCtor, 'prepareStackTrace', { value: undefined, writable: true, configurable: true });
      const stack = new ErrorCtor().stack;
      ErrorCtor.stackTraceLimit = saved;
      return typeof stack === 'string' ? userFrame(stack) : null;
    } catch (error) {
      return null; // user code froze Error or broke its stack: no location, still a failure
    }
  }

  function userFrame(stack) {
    const found = ReflectApply(regexpExec, USER_FRAME, [stack]);
    return found === null ? null : { fn: found[1], line: +found[2], column: +found[3] };
  }

  function context(record) {
    record.phase = phase;
    record.fn = currentFn;
    if (currentDocument >= 0) record.document = currentDocument;
    if (hasKey) record.key = currentKey;
    return record;
  }

  // limit: { limit, maximum, unit } for a limit failure.
  function fail(kind, message, limit, site) {
    if (failure === null) {
      const record = context({ ok: false, kind: kind, message: message });
      if (limit !== undefined) {
        record.limit = limit.limit;
        record.maximum = limit.maximum;
        record.unit = limit.unit;
      }
      const where = site === undefined ? callerSite() : site;
      if (where !== null) {
        record.fn = where.fn;
        record.line = where.line;
        record.column = where.column;
      }
      failure = record;
    }
    // A plain object: user code that catches it learns nothing it could use.
    throw { crunchSandboxFailure: true };
  }

  function typeName(value) {
    if (value === null || value === undefined) return StringFn(value);
    if (typeof value === 'number') return NumberIsFinite(value) ? 'a number' : StringFn(value);
    if (typeof value === 'object') return ArrayCtor.isArray(value) ? 'an array' : 'an object';
    return 'a ' + typeof value;
  }

  function isPromise(value) {
    return typeof value === 'object' && value !== null && getPrototypeOf(value) === PromisePrototype;
  }

  function checkValue(value, what) {
    const type = typeof value;
    if (type === 'function' || type === 'symbol' || type === 'undefined' || type === 'bigint') {
      fail('value', what + ' must be a JSON value, not ' + typeName(value), undefined, null);
    }
    if (type === 'number' && !NumberIsFinite(value)) fail('value', what + ' must be a JSON value, not ' + StringFn(value) + ' (JSON has no NaN or Infinity)', undefined, null);
    if (isPromise(value)) fail('value', what + ' is a Promise: map, combine and reduce must be synchronous', undefined, null);
  }

  function caught(error) {
    if (failure !== null) return failure;
    pending = error;
    const record = context({ ok: false, kind: 'thrown' });
    if (throwSite !== null && ObjectIs(throwValue, error)) {
      record.fn = throwSite.fn;
      record.line = throwSite.line;
      record.column = throwSite.column;
    }
    return record;
  }

  function load(name, code) {
    phase = 'load';
    currentFn = name;
    try {
      const completion = evaluate(code);
      // A declared function of the expected name wins over the completion value, which
      // for a script of helpers may be some other function.
      const declared = getOwnDescriptor(global, name);
      if (declared !== undefined && 'value' in declared && typeof declared.value === 'function') fns[name] = declared.value;
      else if (typeof completion === 'function') fns[name] = completion;
      else {
        const shape = name === 'map' ? '(document, emit)' : '(key, values)';
        return { ok: false, kind: 'definition', fn: name, message: 'the ' + name + ' source must define function ' + name + shape + ' { ... } or be a single function expression' };
      }
      return { ok: true };
    } catch (error) {
      return caught(error);
    }
  }

  function stableKeyHash(key) {
    const text = typeof key === 'string' ? key : StringFn(key);
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = MathImul(h ^ ReflectApply(stringCharCodeAt, text, [i]), 0x01000193);
    return h >>> 0;
  }

  function serialize(value) {
    phase = 'serialize';
    return JSONStringify(value);
  }

  function mapAll(input, format, firstDocument, partitions, maxEmits, maxEmitBytes) {
    const map = fns.map;
    const combine = fns.combine;
    const groups = new MapCtor();
    let emitted = 0;
    let documents = 0;
    let position = firstDocument;
    let open = true;
    const emit = function emit(key, value) {
      if (failure !== null) throw { crunchSandboxFailure: true };
      if (!open) fail('value', 'emit was called after map returned; call it only while map runs');
      if (typeof key !== 'string') {
        if (typeof key !== 'number' || !NumberIsFinite(key)) fail('value', 'emit: the key must be a string or a finite number, not ' + typeName(key));
        if (key === 0) key = 0; // -0 and 0 are one key
      }
      const type = typeof value;
      if (type === 'function' || type === 'symbol' || type === 'undefined' || type === 'bigint' || (type === 'number' && !NumberIsFinite(value))) {
        fail('value', 'emit: the value must be a JSON value, not ' + typeName(value));
      }
      if (++emitted > maxEmits) fail('limit', 'map emitted more than ' + maxEmits + ' pairs in one run', { limit: 'output', maximum: maxEmits, unit: 'pairs' });
      const list = groups.get(key);
      if (list === undefined) groups.set(key, [value]);
      else list.push(value);
    };
    const mapOne = function (document) {
      currentDocument = position;
      const returned = map(document, emit);
      if (failure !== null) throw { crunchSandboxFailure: true };
      if (isPromise(returned)) fail('value', 'map returned a Promise: map must be synchronous (no async, no await)', undefined, null);
      documents++;
      position++;
    };
    try {
      phase = 'map';
      currentFn = 'map';
      if (format === 'values') {
        const list = JSONParse(input);
        for (let i = 0; i < list.length; i++) mapOne(list[i]);
      } else {
        let start = 0;
        while (start < input.length) {
          let end = ReflectApply(stringIndexOf, input, ['\n', start]);
          if (end === -1) end = input.length;
          let stop = end;
          if (stop > start && ReflectApply(stringCharCodeAt, input, [stop - 1]) === 13) stop--;
          const text = ReflectApply(stringSlice, input, [start, stop]);
          start = end + 1;
          if (format === 'lines') {
            mapOne(text);
            continue;
          }
          if (ReflectApply(stringTrim, text, []) === '') {
            position++;
            continue;
          }
          let document;
          try {
            document = JSONParse(text);
          } catch (error) {
            return [JSONStringify({ ok: false, kind: 'input', document: position, message: 'line ' + (position + 1) + ' is not JSON: ' + error.message })];
          }
          mapOne(document);
        }
      }
      open = false;
      currentDocument = -1;
      const parts = [];
      for (let p = 0; p < partitions; p++) parts[p] = [];
      if (combine !== undefined) {
        phase = 'combine';
        currentFn = 'combine';
      }
      ReflectApply(mapForEach, groups, [function (values, key) {
        let out = values;
        if (combine !== undefined) {
          hasKey = true;
          currentKey = key;
          const combined = combine(key, values);
          if (failure !== null) throw { crunchSandboxFailure: true };
          checkValue(combined, 'the combine result');
          out = [combined];
        }
        parts[partitions === 1 ? 0 : stableKeyHash(key) % partitions].push([key, out]);
      }]);
      hasKey = false;
      const answer = [JSONStringify({ ok: true, documents: documents, emitted: emitted })];
      let length = 0;
      for (let p = 0; p < partitions; p++) {
        const text = serialize(parts[p]);
        length += text.length;
        // A UTF-16 code unit is at least one UTF-8 byte: longer than the limit is over for sure.
        if (length > maxEmitBytes) fail('limit', 'the output of map (after combine) is over ' + maxEmitBytes + ' bytes of JSON', { limit: 'output', maximum: maxEmitBytes, unit: 'bytes' }, null);
        answer[p + 1] = text;
      }
      return answer;
    } catch (error) {
      return [JSONStringify(caught(error))];
    } finally {
      open = false;
    }
  }

  function compareKeys(a, b) {
    const x = a[0];
    const y = b[0];
    if (typeof x === 'number') return typeof y === 'number' ? x - y : -1;
    if (typeof y === 'number') return 1;
    const n = x.length < y.length ? x.length : y.length;
    for (let i = 0; i < n; i++) {
      let c = ReflectApply(stringCharCodeAt, x, [i]);
      let d = ReflectApply(stringCharCodeAt, y, [i]);
      if (c === d) continue;
      if (c >= 0xd800 && d >= 0xd800) {
        // Lift surrogates above U+E000..U+FFFF so the order is by code point.
        c = c < 0xe000 ? c + 0x2000 : c - 0x800;
        d = d < 0xe000 ? d + 0x2000 : d - 0x800;
      }
      return c - d;
    }
    return x.length - y.length;
  }

  function reduceAll(parts, maxResultBytes) {
    const reduce = fns.reduce;
    const groups = new MapCtor();
    try {
      phase = 'shuffle';
      for (let i = 0; i < parts.length; i++) {
        const entries = JSONParse(parts[i]);
        for (let j = 0; j < entries.length; j++) {
          const key = entries[j][0];
          const values = entries[j][1];
          const list = groups.get(key);
          if (list === undefined) groups.set(key, values);
          else for (let k = 0; k < values.length; k++) list.push(values[k]);
        }
      }
      phase = 'reduce';
      currentFn = 'reduce';
      const results = [];
      ReflectApply(mapForEach, groups, [function (values, key) {
        hasKey = true;
        currentKey = key;
        const value = reduce(key, values);
        if (failure !== null) throw { crunchSandboxFailure: true };
        checkValue(value, 'the reduce result');
        results.push([key, value]);
      }]);
      hasKey = false;
      ReflectApply(arraySort, results, [compareKeys]);
      const text = serialize(results);
      if (text.length > maxResultBytes) fail('limit', 'the reduce results of this partition are over ' + maxResultBytes + ' bytes of JSON', { limit: 'result', maximum: maxResultBytes, unit: 'bytes' }, null);
      return [JSONStringify({ ok: true, keys: results.length }), text];
    } catch (error) {
      return [JSONStringify(caught(error))];
    }
  }

  function dataString(object, name) {
    const descriptor = getOwnDescriptor(object, name);
    return descriptor !== undefined && 'value' in descriptor && typeof descriptor.value === 'string' ? descriptor.value : undefined;
  }

  // Reads what was thrown using own data properties only: no toString, no getters. A Proxy's
  // traps still run, which is why the host gives this call its own short time limit.
  function describe() {
    const error = pending;
    const out = { thrown: '', message: '' };
    const type = typeof error;
    if (type !== 'object' && type !== 'function') {
      out.thrown = type;
      out.message = type === 'symbol' ? ReflectApply(symbolToString, error, []) : StringFn(error);
    } else if (error === null) {
      out.thrown = 'null';
      out.message = 'null';
    } else {
      let name;
      let object = error;
      for (let depth = 0; depth < 32 && object !== null && name === undefined; depth++) {
        name = dataString(object, 'name');
        object = getPrototypeOf(object);
      }
      out.thrown = name !== undefined ? name : type;
      const message = dataString(error, 'message');
      out.message = message !== undefined ? message : '';
      defineProperty(ErrorCtor, 'prepareStackTrace', { value: undefined, writable: true, configurable: true });
      const stack = dataString(error, 'stack');
      const frame = stack !== undefined ? userFrame(stack) : null;
      if (frame !== null) out.frame = frame;
    }
    if (out.message.length > 2000) out.message = ReflectApply(stringSlice, out.message, [0, 2000]) + '...';
    return JSONStringify(out);
  }

  return function dispatch(op, a, b, c, d, e, f) {
    switch (op) {
      case 'load': return JSONStringify(load(a, b));
      case 'map': return mapAll(a, b, c, d, e, f);
      case 'reduce': return reduceAll(a, b);
      case 'describe': return describe();
      default: throw new ErrorCtor('unknown engine operation ' + op);
    }
  };
})`;

/** The script the host runs in each fresh context: its completion value is the dispatch function. */
export const HARNESS_SCRIPT = `${HARNESS_SOURCE}(globalThis, eval, true)`;
