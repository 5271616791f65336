// The sockets of an emulated run where Linux's own queue must not decide
// what is lost. dtee's trio (createTrio) connects both output sockets to the
// input socket; Linux then holds at most max_dgram_qlen (10) datagrams for
// them, and a writer that may not block would lose everything past that.
// Here the input socket is also connected back to the stdout socket: Linux
// skips the queue-length limit for a receiver connected to its sender, so the
// only limit left is the sender's SO_SNDBUF (raised to the system maximum),
// and what the emulated kernel accepts is what stays queued (sockbuf.ts).
// Only stdout can be the peer: with --streams both, stderr's datagrams still
// meet the 10-datagram limit and the producer counts the waits as stalls.
//
// For the Hurd the output sockets stay unbound, so recvmsg returns no sender
// address, as there: the relay cannot tell who wrote and ignores the data.
//
// A write the emulated buffer refuses still costs the writer what it costs
// on a BSD (the data is copied into mbufs before sbappendaddr() fails): the
// producer sends it to a drop socket whose receiver's queue is kept full, and
// Linux copies it into a buffer before refusing it with EAGAIN.
import { libc, errno, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { sockaddrUn, MAX_SOCKET_PATH } from "../sys/structs";
import { setBuffer, systemBufferLimits } from "../relay/trio";

export interface Link {
  /** The relay reads here. */
  readonly input: number;
  /** The producer's fd 1 and fd 2. */
  readonly stdout: number;
  readonly stderr: number;
  /** The addresses the relay expects (as recvmsg reports them), bound or not. */
  readonly stdoutAddress: Uint8Array;
  readonly stderrAddress: Uint8Array;
  /** Where the producer sends what the emulated buffer refuses (-1: none), and the full socket behind it. */
  readonly drop: number;
  readonly sink: number;
}

export interface LinkOptions {
  /** Bind the output sockets (false: no sender addresses, as on the Hurd). */
  addresses: boolean;
  /** Connect the input socket back to the stdout socket (needs addresses). */
  connectBack: boolean;
  /** Raise the output sockets' SO_SNDBUF to the system maximum. */
  raiseSendBuffer: boolean;
  /** Make the drop socket. */
  drop: boolean;
}

/** Creates the sockets under `dir` (a private directory); `name` keeps runs apart. */
export function createLink(dir: string, name: string, options: LinkOptions): Link {
  const paths = ["i", "o", "e", "s"].map((s) => `${dir}/${name}${s}`);
  for (const path of paths) {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error(`${path}: ${strerror(P.errno.ENAMETOOLONG)}`);
  }
  const [inputAddr, outAddr, errAddr, sinkAddr] = paths.map((path) => sockaddrUn(path)) as [
    ReturnType<typeof sockaddrUn>,
    ReturnType<typeof sockaddrUn>,
    ReturnType<typeof sockaddrUn>,
    ReturnType<typeof sockaddrUn>,
  ];
  const fds: number[] = [];
  const fail = (what: string): never => {
    throw new Error(`${what}: ${strerror(errno())}`);
  };
  const open = (): number => {
    const fd = libc.socket(P.AF_UNIX, P.SOCK_DGRAM | P.SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    fds.push(fd);
    return fd;
  };
  const { send } = systemBufferLimits();
  try {
    const input = open();
    if (libc.bind(input, inputAddr.buf, inputAddr.len) !== 0) fail("bind");
    const outputs: number[] = [];
    for (const addr of [outAddr, errAddr]) {
      const fd = open();
      if (options.addresses && libc.bind(fd, addr.buf, addr.len) !== 0) fail("bind");
      if (libc.connect(fd, inputAddr.buf, inputAddr.len) !== 0) fail("connect");
      if (libc.shutdown(fd, P.SHUT_RD) !== 0) fail("shutdown");
      // The transport must hold whatever the emulated buffer accepts.
      if (options.raiseSendBuffer) setBuffer(fd, P.SO_SNDBUF, send);
      outputs.push(fd);
    }
    if (options.connectBack && options.addresses) {
      if (libc.connect(input, outAddr.buf, outAddr.len) !== 0) fail("connect");
    }
    let drop = -1;
    let sink = -1;
    if (options.drop) {
      sink = open();
      if (libc.bind(sink, sinkAddr.buf, sinkAddr.len) !== 0) fail("bind");
      drop = open();
      if (libc.connect(drop, sinkAddr.buf, sinkAddr.len) !== 0) fail("connect");
      setBuffer(drop, P.SO_SNDBUF, send);
      // Fill the sink's queue (nobody reads it) so every later send is copied, then refused.
      const one = new Uint8Array(1);
      let queued = 0;
      while (queued < 1000 && (libc.send(drop, one, 1, P.MSG_DONTWAIT) as number) === 1) queued++;
      if (queued === 1000) throw new Error("drop socket: its receiver never fills");
    }
    return {
      input,
      stdout: outputs[0]!,
      stderr: outputs[1]!,
      stdoutAddress: new Uint8Array(outAddr.buf.subarray(0, outAddr.len)),
      stderrAddress: new Uint8Array(errAddr.buf.subarray(0, errAddr.len)),
      drop,
      sink,
    };
  } catch (e) {
    for (const fd of fds) libc.close(fd);
    throw e;
  } finally {
    for (const path of paths) libc.unlink(Buffer.from(`${path}\0`));
  }
}
