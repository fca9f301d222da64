// Vocabulary shared by the Realtime stand-in's stages: protocol versions, frames, error reasons and close codes.

/** The two Phoenix serializer versions supabase-js speaks (docs/realtime-protocol.md §2). */
export type Vsn = '1.0.0' | '2.0.0';

export const SUPPORTED_VSNS: readonly Vsn[] = ['1.0.0', '2.0.0'];

/** One encoded WebSocket message, made once and written to every socket that should get it. */
export interface Frame {
  data: Buffer;
  binary: boolean;
  /** The complete WebSocket frame (header + payload), built once on first send and shared by every socket. */
  wire?: Buffer;
}

/** An error as the real server reports it: a PascalCase code and a sentence with the offending value. */
export interface RealtimeError {
  code: string;
  message: string;
}

export function realtimeError(code: string, message: string): RealtimeError {
  return { code, message };
}

/** The `reason` string of an error reply: `"<Code>: <message>"`. */
export function reasonOf(error: RealtimeError): string {
  return `${error.code}: ${error.message}`;
}

/** Either a typed value or the error that explains why the input was refused. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: RealtimeError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(code: string, message: string): Result<T> {
  return { ok: false, error: realtimeError(code, message) };
}

/** WebSocket close codes the server uses (RFC 6455 §7.4.1). */
export const CLOSE_CODES = {
  /** stop(): the server is going away; clients reconnect. */
  goingAway: 1001,
  /** A frame that is not a Phoenix message (bad JSON, wrong shape, unknown binary kind). */
  unsupportedData: 1003,
  /** A well-formed message the protocol does not allow (an unknown event). */
  policyViolation: 1008,
  /** No frame (not even a heartbeat) for the idle timeout. */
  idle: 1000,
} as const;

/** A JSON-compatible object, the shape of every Phoenix payload. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
