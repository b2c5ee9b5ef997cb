/**
 * Messages between a pool thread and its sandbox host process, over the child's IPC
 * channel with structured-clone ("advanced") serialization. One request at a time; a
 * cancel may arrive while it runs.
 */
import type { SandboxErrorData } from './errors.js';
import type {
  SandboxCompileOutput,
  SandboxCompileRequest,
  SandboxMapOutput,
  SandboxMapRequest,
  SandboxReduceOutput,
  SandboxReduceRequest,
} from './types.js';

export interface HostOperations {
  compile: [SandboxCompileRequest, SandboxCompileOutput];
  map: [SandboxMapRequest, SandboxMapOutput];
  reduce: [SandboxReduceRequest, SandboxReduceOutput];
}
export type HostOperation = keyof HostOperations;

export type HostRequest =
  | { readonly [K in HostOperation]: { readonly id: number; readonly op: K; readonly request: HostOperations[K][0] } }[HostOperation]
  | { readonly id: number; readonly op: 'cancel' };

export type HostResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SandboxErrorData }
  | { readonly id: number; readonly ok: false; readonly cancelled: true }
  | { readonly id: number; readonly ok: false; readonly internal: string };

/** The first message of a host, once isolated-vm has loaded. */
export interface HostReady {
  readonly ready: true;
  readonly pid: number;
}
