// The capture log: JSON Lines, one record per write the command made, in the
// order made, with the stream and the kernel's receive time; then one exit
// record. Schema (stable, version 1) is documented in the README.
import { Sink } from "../relay/sink";
import { STDOUT, type Batch } from "../relay/receiver";
import { isoNanos, nanosString, type Instant } from "./clock";
import type { Termination } from "./status";
import { strsignal } from "../sys/libc";

export const LOG_SCHEMA = 1;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

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

/** The record's payload field: `text` for UTF-8 text, else `base64`. */
function payload(bytes: Uint8Array): string {
  if (!hasBinaryControl(bytes)) {
    try {
      return `"text":${JSON.stringify(strictUtf8.decode(bytes))}`;
    } catch {
      // not UTF-8: base64 below
    }
  }
  return `"base64":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64")}"`;
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

  constructor(private readonly sink: Sink) {}

  private header(parts: string[]): void {
    if (this.wroteHeader) return;
    this.wroteHeader = true;
    parts.push(`{"type":"log","schema":${LOG_SCHEMA},"tool":"dtee"}\n`);
  }

  /** One record per message of the batch. */
  writeBatch(b: Batch, bytesOf: (index: number) => Uint8Array): void {
    const parts: string[] = [];
    this.header(parts);
    for (let k = 0; k < b.all.count; k++) {
      const stream = b.allStreamOf(k) === STDOUT ? "stdout" : "stderr";
      parts.push(this.record(stream, b.timeSec[k]!, b.timeNsec[k]!, bytesOf(k)));
    }
    this.sink.writeBuffer(Buffer.from(parts.join(""), "utf8"));
  }

  /** A write that did not come through the sockets (dtee's exec-failure message). */
  writeSynthetic(stream: "stdout" | "stderr", at: Instant, bytes: Uint8Array): void {
    const parts: string[] = [];
    this.header(parts);
    parts.push(this.record(stream, at.sec, at.nsec, bytes));
    this.sink.writeBuffer(Buffer.from(parts.join(""), "utf8"));
  }

  private record(stream: string, sec: number, nsec: number, bytes: Uint8Array): string {
    return (
      `{"type":"write","seq":${this.seq++},"stream":"${stream}","time_ns":"${nanosString(sec, nsec)}",` +
      `"time":"${isoNanos(sec, nsec)}","length":${bytes.length},${payload(bytes)}}\n`
    );
  }

  writeExit(r: ExitRecord): void {
    const parts: string[] = [];
    this.header(parts);
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
    parts.push(`{${fields.join(",")}}\n`);
    this.sink.writeBuffer(Buffer.from(parts.join(""), "utf8"));
  }
}
