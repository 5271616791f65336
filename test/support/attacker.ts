// A hostile local process for the security tests. Given a running dtee (or
// cronty) and its command, it tries every unprivileged way we know to get
// data into dtee's relay or to read its cron spool, and prints what happened
// as JSON on stdout. It never touches anything but those processes, the
// TMPDIR it is given and a scratch directory it creates there.
//
//   bun attacker.ts '{"tmpdir":"/t","pids":[123,124],"payload":"X","secret":"S","getfd":true}'
//
// Each attempt is {vector, target, delivered, error?, read?}: delivered is
// true when the payload was accepted by something that is not the
// attacker's own (a socket of dtee's, a descriptor of dtee's or its
// command's), read is set when the attacker read bytes from a file that
// belongs to dtee.
import { dlopen, FFIType, CString, read, type Pointer } from "bun:ffi";
import { readdirSync, readFileSync, readlinkSync, lstatSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";

const { i32, i64, u32, u64, ptr, i64_fast } = FFIType;
const c = dlopen("libc.so.6", {
  socket: { args: [i32, i32, i32], returns: i32 },
  bind: { args: [i32, ptr, u32], returns: i32 },
  sendto: { args: [i32, ptr, u64, i32, ptr, u32], returns: i64_fast },
  open: { args: [ptr, i32, u32], returns: i32 },
  read: { args: [i32, ptr, u64], returns: i64_fast },
  write: { args: [i32, ptr, u64], returns: i64_fast },
  close: { args: [i32], returns: i32 },
  mkdir: { args: [ptr, u32], returns: i32 },
  syscall: { args: [i64, i64, i64, i64], returns: i64_fast },
  strerror: { args: [i32], returns: ptr },
  __errno_location: { args: [], returns: ptr },
}).symbols;

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const O_RDONLY = 0;
const O_WRONLY = 1;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const SYS_pidfd_open = 434;
const SYS_pidfd_getfd = 438;

const errnoPtr = c.__errno_location() as Pointer;
/** strerror(errno): call straight after the failing call. */
function errText(): string {
  const code = read.i32(errnoPtr, 0);
  return new CString(c.strerror(code) as Pointer).toString();
}

const z = (s: string) => Buffer.from(s + "\0");

function sockaddr(path: string, abstract = false): { buf: Buffer; len: number } {
  const buf = Buffer.alloc(110);
  buf.writeUInt16LE(AF_UNIX, 0);
  const bytes = Buffer.from(path);
  if (abstract) {
    bytes.copy(buf, 3); // sun_path[0] = 0: the abstract namespace
    return { buf, len: 3 + bytes.length };
  }
  bytes.copy(buf, 2);
  return { buf, len: 2 + bytes.length + 1 };
}

interface Attempt {
  vector: string;
  target: string;
  delivered: boolean;
  error?: string;
  read?: string;
}

const args = JSON.parse(process.argv[2] ?? "{}") as {
  tmpdir: string;
  pids: number[];
  payload: string;
  secret?: string;
  getfd?: boolean;
};
const attempts: Attempt[] = [];
const payload = Buffer.from(args.payload);

function sendTo(fd: number, path: string, abstract: boolean): { ok: boolean; error?: string } {
  const a = sockaddr(path, abstract);
  const r = c.sendto(fd, payload, payload.length, MSG_DONTWAIT, a.buf, a.len) as number;
  return r >= 0 ? { ok: true } : { ok: false, error: errText() };
}

// 1. Names: what is in TMPDIR now, and every socket path the kernel still
// lists for a socket bound there (/proc/net/unix keeps unlinked names).
let listing: string[] = [];
try {
  listing = readdirSync(args.tmpdir);
} catch (e) {
  attempts.push({ vector: "list-tmpdir", target: args.tmpdir, delivered: false, error: String(e) });
}
for (const name of listing) {
  const p = join(args.tmpdir, name);
  let kind = "?";
  try {
    const st = lstatSync(p);
    kind = st.isSocket() ? "socket" : st.isDirectory() ? "dir" : st.isFile() ? "file" : "other";
  } catch {}
  const fd = c.open(z(p), O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0) as number;
  if (fd >= 0) {
    const buf = Buffer.alloc(65536);
    const n = kind === "file" ? (c.read(fd, buf, buf.length) as number) : -1;
    c.close(fd);
    attempts.push({ vector: "open-tmpdir-entry", target: `${p} (${kind})`, delivered: false, read: n > 0 ? buf.subarray(0, n).toString("latin1") : "" });
  } else {
    attempts.push({ vector: "open-tmpdir-entry", target: `${p} (${kind})`, delivered: false, error: errText() });
  }
}

const known = new Set<string>();
for (const line of readFileSync("/proc/net/unix", "utf8").split("\n").slice(1)) {
  const path = line.trim().split(/\s+/)[7];
  if (path && path.startsWith(args.tmpdir + "/")) known.add(path);
}
const socketPaths = [...known].sort();
const dirs = [...new Set(socketPaths.map((p) => dirname(p)))];

// 2. Send to each known path, from an unbound socket, and to the same names
// in the abstract namespace.
const plain = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) as number;
for (const p of socketPaths) {
  const r = sendTo(plain, p, false);
  attempts.push({ vector: "sendto-path", target: p, delivered: r.ok, error: r.error });
  const a = sendTo(plain, p, true);
  attempts.push({ vector: "sendto-abstract", target: p, delivered: a.ok, error: a.error });
}
for (const name of ["dtee", "dtee.i", "i"]) {
  const a = sendTo(plain, name, true);
  attempts.push({ vector: "sendto-abstract", target: `@${name}`, delivered: a.ok, error: a.error });
}
c.close(plain);

// 3. Impersonate the command's stdout: recreate the vanished directory, bind
// a socket at its ".../o" name and send to ".../i" from there.
for (const d of dirs) {
  const made = c.mkdir(z(d), 0o700) as number;
  const madeErr = made === 0 ? undefined : errText();
  const s = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) as number;
  const o = sockaddr(join(d, "o"));
  const bound = c.bind(s, o.buf, o.len) as number;
  const bindErr = bound === 0 ? undefined : errText();
  const r = sendTo(s, join(d, "i"), false);
  attempts.push({
    vector: "spoof-sender",
    target: join(d, "i"),
    delivered: r.ok,
    error: [madeErr && `mkdir: ${madeErr}`, bindErr && `bind: ${bindErr}`, r.error].filter(Boolean).join("; ") || undefined,
  });
  c.close(s);
  if (made === 0) rmSync(d, { recursive: true, force: true });
}

// 4. The processes' descriptors through /proc: sockets (write the payload),
// regular files (read them: the cron spool is one), and, if asked,
// pidfd_getfd (needs ptrace rights over the process).
for (const pid of args.pids) {
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (e) {
    attempts.push({ vector: "list-proc-fd", target: `/proc/${pid}/fd`, delivered: false, error: (e as Error).message });
  }
  for (const n of fds) {
    const p = `/proc/${pid}/fd/${n}`;
    let link = "";
    try {
      link = readlinkSync(p);
    } catch {}
    if (link.startsWith("socket:")) {
      const fd = c.open(z(p), O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0) as number;
      if (fd >= 0) {
        const w = c.write(fd, payload, payload.length) as number;
        const err = w < 0 ? errText() : undefined;
        c.close(fd);
        attempts.push({ vector: "proc-fd-socket", target: `${p} -> ${link}`, delivered: w > 0, error: err });
      } else {
        attempts.push({ vector: "proc-fd-socket", target: `${p} -> ${link}`, delivered: false, error: errText() });
      }
    } else if (link.startsWith("/") && (link.startsWith(args.tmpdir) || link.includes("(deleted)"))) {
      const fd = c.open(z(p), O_RDONLY | O_CLOEXEC, 0) as number;
      if (fd >= 0) {
        const buf = Buffer.alloc(1 << 16);
        // pread at 0 without moving the owner's offset is not possible via a
        // fresh open anyway: this is a new open file description.
        const r = c.read(fd, buf, buf.length) as number;
        c.close(fd);
        attempts.push({ vector: "proc-fd-file", target: `${p} -> ${link}`, delivered: false, read: r > 0 ? buf.subarray(0, r).toString("latin1") : "" });
      } else {
        attempts.push({ vector: "proc-fd-file", target: `${p} -> ${link}`, delivered: false, error: errText() });
      }
    }
  }
  if (args.getfd) {
    const pidfd = c.syscall(SYS_pidfd_open, pid, 0, 0) as number;
    if (pidfd < 0) {
      attempts.push({ vector: "pidfd_getfd", target: `pid ${pid}`, delivered: false, error: `pidfd_open: ${errText()}` });
      continue;
    }
    for (const fdNum of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
      const got = c.syscall(SYS_pidfd_getfd, pidfd, fdNum, 0) as number;
      if (got < 0) {
        attempts.push({ vector: "pidfd_getfd", target: `pid ${pid} fd ${fdNum}`, delivered: false, error: errText() });
        continue;
      }
      const w = c.write(got, payload, payload.length) as number;
      c.close(got);
      attempts.push({ vector: "pidfd_getfd", target: `pid ${pid} fd ${fdNum}`, delivered: w > 0 });
    }
    c.close(pidfd);
  }
}

console.log(JSON.stringify({ uid: process.getuid?.(), socketPaths, listing, attempts }));
