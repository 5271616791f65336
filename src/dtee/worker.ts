// Worker entry: runs a dtee session off the main thread, so the main thread
// stays free to run signal handlers (a thread blocked in an FFI poll never
// does).
import { runSession, type SessionPlan } from "./session";

declare const self: Worker;

self.onmessage = (event: MessageEvent<SessionPlan>) => {
  let result;
  try {
    result = { ok: true as const, result: runSession(event.data) };
  } catch (e) {
    result = { ok: false as const, error: e instanceof Error ? e.message : String(e) };
  }
  self.postMessage(result);
};
