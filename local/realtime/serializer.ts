// Phoenix frames in and out: vsn 2.0.0 JSON arrays plus binary user broadcasts (kind 3 in, kind 4 out),
// vsn 1.0.0 JSON objects; inbound frames become typed messages or a MalformedFrame error.
import { fail, isJsonObject, ok, type Frame, type JsonObject, type Result, type Vsn } from './protocol.ts';

/** A decoded client message; `payload` is an object, the rest is validated by the handler of `event`. */
export interface InboundMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: JsonObject;
  /** Set for a vsn 2.0.0 binary user broadcast push (kind 3): the body stays encoded, for fan-out as is. */
  userBroadcast?: UserBroadcast;
}

export interface UserBroadcast {
  event: string;
  body: BroadcastBody;
}

/** A broadcast's user payload, kept encoded: valid JSON text, or raw bytes (vsn 2.0.0 only). */
export type BroadcastBody = { encoding: 'json'; json: string } | { encoding: 'binary'; bytes: Buffer };

export interface OutboundMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

const KIND_USER_BROADCAST_PUSH = 3;
const KIND_USER_BROADCAST = 4;
const ENCODING_BINARY = 0;
const ENCODING_JSON = 1;
const PUSH_HEADER_BYTES = 7;

/** Decodes one WebSocket message of a socket speaking `vsn`. */
export function decodeFrame(vsn: Vsn, data: Buffer, isBinary: boolean): Result<InboundMessage> {
  if (isBinary) {
    if (vsn === '1.0.0') return fail('MalformedFrame', 'binary frames are not part of protocol 1.0.0');
    return decodeUserBroadcastPush(data);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    return fail('MalformedFrame', `frame is not JSON: ${preview(data)}`);
  }
  return vsn === '2.0.0' ? decodeArray(parsed, data) : decodeObject(parsed, data);
}

/** Encodes a message as the socket's serializer does. */
export function encodeMessage(vsn: Vsn, message: OutboundMessage): Frame {
  const { joinRef, ref, topic, event, payload } = message;
  const text = vsn === '2.0.0'
    ? JSON.stringify([joinRef, ref, topic, event, payload])
    : JSON.stringify({ topic, event, payload, ref, join_ref: joinRef });
  return { data: Buffer.from(text), binary: false };
}

/** A `postgres_changes` frame (§5.1) around `dataJson`, the change encoded once for every group. */
export function encodePostgresChanges(vsn: Vsn, topic: string, ids: readonly number[], dataJson: string): Frame {
  const payload = `{"ids":${JSON.stringify(ids)},"data":${dataJson}}`;
  return { data: Buffer.from(wrap(vsn, topic, 'postgres_changes', payload)), binary: false };
}

/**
 * A user broadcast for subscribers of `topic`: binary kind 4 on vsn 2.0.0 (as the real V2 serializer
 * sends it), JSON text otherwise; undefined when a vsn 1.0.0 socket cannot carry a binary body.
 */
export function encodeUserBroadcast(vsn: Vsn, topic: string, broadcast: UserBroadcast): Frame | undefined {
  const { event, body } = broadcast;
  const topicBytes = Buffer.from(topic);
  const eventBytes = Buffer.from(event);
  if (vsn === '2.0.0' && topicBytes.length <= 255 && eventBytes.length <= 255) {
    const payload = body.encoding === 'json' ? Buffer.from(body.json) : body.bytes;
    const header = Buffer.from([KIND_USER_BROADCAST, topicBytes.length, eventBytes.length, 0, body.encoding === 'json' ? ENCODING_JSON : ENCODING_BINARY]);
    return { data: Buffer.concat([header, topicBytes, eventBytes, payload]), binary: true };
  }
  if (body.encoding === 'binary') return undefined;
  const payload = `{"type":"broadcast","event":${JSON.stringify(event)},"payload":${body.json}}`;
  return { data: Buffer.from(wrap(vsn, topic, 'broadcast', payload)), binary: false };
}

/** A server push with null refs around an already encoded payload. */
function wrap(vsn: Vsn, topic: string, event: string, payloadJson: string): string {
  return vsn === '2.0.0'
    ? `[null,null,${JSON.stringify(topic)},"${event}",${payloadJson}]`
    : `{"topic":${JSON.stringify(topic)},"event":"${event}","payload":${payloadJson},"ref":null,"join_ref":null}`;
}

function decodeArray(parsed: unknown, data: Buffer): Result<InboundMessage> {
  if (!Array.isArray(parsed) || parsed.length !== 5) return fail('MalformedFrame', `expected [join_ref, ref, topic, event, payload], got ${preview(data)}`);
  const [joinRef, ref, topic, event, payload] = parsed as unknown[];
  return checkEnvelope(joinRef, ref, topic, event, payload, data);
}

function decodeObject(parsed: unknown, data: Buffer): Result<InboundMessage> {
  if (!isJsonObject(parsed)) return fail('MalformedFrame', `expected {topic, event, payload, ref, join_ref}, got ${preview(data)}`);
  return checkEnvelope(parsed.join_ref ?? null, parsed.ref ?? null, parsed.topic, parsed.event, parsed.payload, data);
}

function checkEnvelope(joinRef: unknown, ref: unknown, topic: unknown, event: unknown, payload: unknown, data: Buffer): Result<InboundMessage> {
  if (!isRef(joinRef) || !isRef(ref)) return fail('MalformedFrame', `join_ref and ref must be strings or null in ${preview(data)}`);
  if (typeof topic !== 'string' || typeof event !== 'string') return fail('MalformedFrame', `topic and event must be strings in ${preview(data)}`);
  if (!isJsonObject(payload)) return fail('MalformedFrame', `payload must be an object in ${preview(data)}`);
  return ok({ joinRef, ref, topic, event, payload });
}

function isRef(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/** Kind 3: u8 kind | u8 len × 5 (join_ref, ref, topic, event, meta) | u8 encoding | fields | payload. */
function decodeUserBroadcastPush(data: Buffer): Result<InboundMessage> {
  if (data.length < PUSH_HEADER_BYTES || data[0] !== KIND_USER_BROADCAST_PUSH) {
    return fail('MalformedFrame', `binary frame of kind ${data[0] ?? 'none'} is not a user broadcast push (kind 3)`);
  }
  const lengths = [data[1]!, data[2]!, data[3]!, data[4]!, data[5]!];
  const encoding = data[6]!;
  const fields: string[] = [];
  let offset = PUSH_HEADER_BYTES;
  for (const length of lengths) {
    fields.push(data.toString('utf8', offset, offset + length));
    offset += length;
  }
  if (offset > data.length) return fail('MalformedFrame', `user broadcast push of ${data.length} bytes is shorter than its header says (${offset})`);
  if (encoding !== ENCODING_JSON && encoding !== ENCODING_BINARY) return fail('MalformedFrame', `unknown payload encoding ${encoding} in user broadcast push`);
  const [joinRef = '', ref = '', topic = '', event = '', meta = ''] = fields;
  if (meta !== '' && !isJsonText(meta, true)) return fail('MalformedFrame', `user broadcast push metadata is not a JSON object: ${meta.slice(0, 80)}`);
  const payload = data.subarray(offset);
  const body = decodeBody(encoding, payload);
  if (!body) return fail('MalformedFrame', `user broadcast push payload is not JSON: ${preview(payload)}`);
  return ok({
    joinRef: joinRef || null,
    ref: ref || null,
    topic,
    event: 'broadcast',
    payload: { type: 'broadcast', event },
    userBroadcast: { event, body },
  });
}

function decodeBody(encoding: number, payload: Buffer): BroadcastBody | undefined {
  if (encoding === ENCODING_BINARY) return { encoding: 'binary', bytes: payload };
  const json = payload.toString('utf8');
  return isJsonText(json, false) ? { encoding: 'json', json } : undefined;
}

function isJsonText(text: string, objectOnly: boolean): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return !objectOnly || isJsonObject(value);
  } catch {
    return false;
  }
}

function preview(data: Buffer): string {
  const text = data.toString('utf8', 0, 80);
  return JSON.stringify(data.length > 80 ? `${text}…` : text);
}
