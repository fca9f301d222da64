// One client socket's sending side: shared pre-encoded frames written through `ws`, the writes of one tick
// coalesced into one (the raw socket stays corked until the check phase), and a bound on what may queue.
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Frame, Vsn } from './protocol.ts';

export interface Connection {
  readonly id: number;
  readonly vsn: Vsn;
  /** Writes a frame; a consumer over its send bound is disconnected instead. False when not written. */
  send(frame: Frame): boolean;
  close(code: number, reason: string): void;
  isOpen(): boolean;
}

export interface SendCounters {
  framesSent: number;
  slowConsumersDropped: number;
}

export interface ConnectionOptions {
  id: number;
  vsn: Vsn;
  socket: WebSocket;
  /** The upgraded TCP socket under `socket`, corked while a tick's frames accumulate. */
  raw: Duplex;
  maxBufferedBytes: number;
  batcher: WriteBatcher;
  counters: SendCounters;
  log: (line: string) => void;
}

/** How far one tick's writes may take a socket past its bound before it is dropped anyway. */
const BURST_FACTOR = 4;

export function createConnection(options: ConnectionOptions): Connection {
  return new SocketConnection(options);
}

/** A class, not a closure per method: thousands of idle sockets each hold one of these. */
class SocketConnection implements Connection {
  readonly id: number;
  readonly vsn: Vsn;
  private readonly socket: WebSocket;
  private readonly raw: Duplex;
  private readonly maxBufferedBytes: number;
  private readonly batcher: WriteBatcher;
  private readonly counters: SendCounters;
  private readonly log: (line: string) => void;

  constructor(options: ConnectionOptions) {
    ({ id: this.id, vsn: this.vsn, socket: this.socket, raw: this.raw, maxBufferedBytes: this.maxBufferedBytes, batcher: this.batcher, counters: this.counters, log: this.log } = options);
  }

  send(frame: Frame): boolean {
    const { socket, maxBufferedBytes, counters } = this;
    if (socket.readyState !== WebSocket.OPEN) return false;
    // The bound applies to what the client left unread from earlier ticks: a burst of this tick
    // (one big transaction) is not slowness, unless it alone passes the hard cap.
    const firstOfTick = this.batcher.hold(this.raw);
    const bound = firstOfTick ? maxBufferedBytes : maxBufferedBytes * BURST_FACTOR;
    if (socket.bufferedAmount > bound) {
      counters.slowConsumersDropped++;
      this.log(`realtime: socket #${this.id} dropped as a slow consumer: ${socket.bufferedAmount} bytes waiting, bound ${bound}`);
      socket.terminate();
      return false;
    }
    // The frame is framed once for all sockets and written straight to the TCP socket: ws would build
    // the same header per socket. Safe because ws writes synchronously here (no permessage-deflate, so
    // its sender never queues): our writes and its own (close frames) keep their order on the stream,
    // and ws's bufferedAmount still sees ours through the socket's writableLength.
    frame.wire ??= serverFrame(frame.data, frame.binary);
    this.raw.write(frame.wire);
    counters.framesSent++;
    return true;
  }

  close(code: number, reason: string): void {
    const { socket } = this;
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(code, fitCloseReason(reason));
  }

  isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }
}

/** An unmasked, final WebSocket frame (RFC 6455 §5.2) as a server sends it: text or binary. */
export function serverFrame(payload: Buffer, binary: boolean): Buffer {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + extended + length);
  frame[0] = binary ? 0x82 : 0x81;
  if (extended === 0) frame[1] = length;
  else if (extended === 2) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, 2 + extended);
  return frame;
}

/** A close frame's reason may hold 123 bytes of UTF-8; longer reasons are cut at a character boundary. */
export function fitCloseReason(reason: string): string {
  let fitted = reason.slice(0, 123);
  while (Buffer.byteLength(fitted) > 123) fitted = fitted.slice(0, -1);
  return fitted;
}

/** Holds sockets corked for the rest of the tick, so frames sent to one socket together go in one write. */
export interface WriteBatcher {
  /** Corks `raw` until the check phase; true when it was not held yet this tick. */
  hold(raw: Duplex): boolean;
  /** Uncorks every held socket now. */
  flush(): void;
}

export function createWriteBatcher(): WriteBatcher {
  const held = new Set<Duplex>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    for (const raw of held) raw.uncork();
    held.clear();
  };
  return {
    hold(raw) {
      if (held.has(raw)) return false;
      raw.cork();
      held.add(raw);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return true;
    },
    flush,
  };
}
