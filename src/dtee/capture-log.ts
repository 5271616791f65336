// The capture log: JSON Lines, one record per write the command made, in the
// order made, with the stream and the kernel's receive time; then one exit
// record. Schema (stable, version 1) is documented in the README.
import { Sink } from "../relay/sink";
import { STDOUT, type Batch } from "../relay/batch";
import { isoNanos, nanosString, type Instant } from "./clock";
import type { Termination } from "./status";
import { strsignal } from "../sys/libc";

export const LOG_SCHEMA = 1;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A growable byte buffer that JSON records are encoded into directly, so the
 * common case (ASCII text) never becomes a JavaScript string on the way.
 */
class RecordBuffer {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** Appends a string of ASCII characters. */
  ascii(s: string): void {
    this.reserve(s.length);
    this.pos += this.buf.write(s, this.pos, "latin1");
  }

  utf8(s: string): void {
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Appends `"text":"..."` when the bytes are printable ASCII (with tab,
 * newline, carriage return, escape), escaping as JSON does. Returns false,
 * leaving the buffer as it was, for anything else.
 */
function asciiText(out: RecordBuffer, bytes: Uint8Array): boolean {
  const mark = out.pos;
  out.reserve(bytes.length * 6 + 10);
  const b = out.buf;
  let p = out.pos;
  b.write('"text":"', p, "latin1");
  p += 8;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c >= 0x20 && c < 0x7f) {
      if (c === QUOTE || c === BACKSLASH) b[p++] = BACKSLASH;
      b[p++] = c;
    } else if (c === 0x0a) {
      b[p++] = BACKSLASH;
      b[p++] = 0x6e; // n
    } else if (c === 0x09) {
      b[p++] = BACKSLASH;
      b[p++] = 0x74; // t
    } else if (c === 0x0d) {
      b[p++] = BACKSLASH;
      b[p++] = 0x72; // r
    } else if (c === 0x1b) {
      p += b.write("\\u001b", p, "latin1");
    } else {
      out.pos = mark;
      return false;
    }
  }
  b[p++] = QUOTE;
  out.pos = p;
  return true;
}

/**
 * Control bytes that make a write binary rather than text: C0 controls other
 * than tab, newline, carriage return and escape (terminal colours), and DEL.
 * JSON would spell each as six characters; base64 costs 4/3.
 */
function hasBinaryControl(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1b) || b === 0x7f) return true;
  }
  return false;
}

/** Appends the record's payload field: `text` for UTF-8 text, else `base64`. */
function payload(out: RecordBuffer, bytes: Uint8Array): void {
  if (asciiText(out, bytes)) return;
  if (!hasBinaryControl(bytes)) {
    let text: string | undefined;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      // not UTF-8: base64 below
    }
    if (text !== undefined) {
      out.ascii('"text":');
      out.utf8(JSON.stringify(text));
      return;
    }
  }
  out.ascii(`"base64":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64")}"`);
}

export interface ExitRecord {
  command: readonly string[];
  start: Instant;
  end: Instant;
  termination?: Termination;
  /** A signal dtee itself received before the command ended. */
  receivedSignal?: number;
}

export class CaptureLog {
  private seq = 0;
  private wroteHeader = false;
  private readonly out = new RecordBuffer();
  // The ISO form of the last whole second, reused while writes share it.
  private isoSecond = -1;
  private isoPrefix = "";

  constructor(private readonly sink: Sink) {}

  private header(): void {
    if (this.wroteHeader) return;
    this.wroteHeader = true;
    this.out.ascii(`{"type":"log","schema":${LOG_SCHEMA},"tool":"dtee"}\n`);
  }

  /** One record per message of the batch. */
  writeBatch(b: Batch, bytesOf: (index: number) => Uint8Array): void {
    this.header();
    for (let k = 0; k < b.all.count; k++) {
      this.record(b.allStreamOf(k) === STDOUT ? "stdout" : "stderr", b.timeSec[k]!, b.timeNsec[k]!, bytesOf(k));
    }
    this.sink.writeBuffer(this.out.take());
  }

  /** A write that did not come through the sockets (dtee's exec-failure message). */
  writeSynthetic(stream: "stdout" | "stderr", at: Instant, bytes: Uint8Array): void {
    this.header();
    this.record(stream, at.sec, at.nsec, bytes);
    this.sink.writeBuffer(this.out.take());
  }

  private record(stream: string, sec: number, nsec: number, bytes: Uint8Array): void {
    if (sec !== this.isoSecond) {
      this.isoSecond = sec;
      this.isoPrefix = isoNanos(sec, 0).slice(0, 20); // 2026-11-21T06:13:49.
    }
    const frac = String(nsec).padStart(9, "0");
    this.out.ascii(
      `{"type":"write","seq":${this.seq++},"stream":"${stream}","time_ns":"${sec}${frac}",` +
        `"time":"${this.isoPrefix}${frac}Z","length":${bytes.length},`,
    );
    payload(this.out, bytes);
    this.out.ascii("}\n");
  }

  writeExit(r: ExitRecord): void {
    this.header();
    const t = r.termination;
    const fields = [
      `"type":"exit"`,
      // The command's words are byte strings; the log holds them as text.
      `"command":${JSON.stringify(r.command.map((w) => Buffer.from(w, "latin1").toString("utf8")))}`,
      `"start_ns":"${nanosString(r.start.sec, r.start.nsec)}"`,
      `"start":"${isoNanos(r.start.sec, r.start.nsec)}"`,
      `"end_ns":"${nanosString(r.end.sec, r.end.nsec)}"`,
      `"end":"${isoNanos(r.end.sec, r.end.nsec)}"`,
      `"writes":${this.seq}`,
      `"status":${t?.code ?? null}`,
      `"signal":${t?.signal ?? null}`,
      `"signal_name":${t?.signal !== undefined ? JSON.stringify(strsignal(t.signal)) : null}`,
      `"core_dumped":${t?.coreDumped ?? false}`,
    ];
    if (r.receivedSignal !== undefined) fields.push(`"received_signal":${r.receivedSignal}`);
    this.out.utf8(`{${fields.join(",")}}\n`);
    this.sink.writeBuffer(this.out.take());
  }
}
