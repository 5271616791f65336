// The README's fidelity table: each statement of dtee's Limitations page,
// the dtee-bench command that tests it, and what that command measured here.
// Runs every command (with --json) and prints the table as Markdown.
//
//   bun bench/fidelity.ts [--target dist|script] [--repeats N]
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import type { BenchDocument } from "../src/bench/document";
import type { BenchResult } from "../src/bench/accounting";
import { formatBytes, formatCount, formatPercent } from "../src/bench/units";
import { SYSEXITS } from "../src/exit-status";

const root = resolve(import.meta.dir, "..");
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const target = option("--target", "script");
const repeats = option("--repeats", "3");
const bench = target === "dist" ? [join(root, "dist", "dtee-bench")] : [process.execPath, join(root, "bin", "dtee-bench.ts")];

function run(words: string[]): BenchDocument {
  const r = spawnSync(bench[0]!, [...bench.slice(1), ...words, "-r", repeats, "--json"], { encoding: "utf8" });
  if (r.status !== SYSEXITS.OK) throw new Error(`dtee-bench ${words.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as BenchDocument;
}

const find = (doc: BenchDocument, profile: string, size: number, rate?: number): BenchResult => {
  const r = doc.results.find((x) => x.profile === profile && x.writeSize === size && (rate === undefined || x.rate === rate || x.byteRate === rate));
  if (!r) throw new Error(`no result for ${profile} ${size}`);
  return r;
};
const lost = (r: BenchResult) => formatPercent(r.lossRatio);
const cause = (r: BenchResult) => {
  const parts: string[] = [];
  if (r.messagesLostBufferFull) parts.push(`${formatCount(r.messagesLostBufferFull)} lost to a full buffer`);
  for (const name of ["EMSGSIZE", "ENOBUFS"]) {
    const n = (r.errors[name] ?? 0) - (name === "ENOBUFS" ? r.messagesLostBufferFull : 0);
    if (n > 0) parts.push(`${formatCount(n)} failed with ${name}`);
  }
  if (r.receiveErrors) parts.push(`${formatCount(r.receiveErrors)} receive errors`);
  return parts.length ? ` (${parts.join(", ")})` : "";
};

interface Row {
  statement: string;
  command: string[];
  measured: (doc: BenchDocument) => string;
}

// The relay's pace for 4 KiB datagrams one at a time, measured with a writer that waits (Linux):
// DragonFly's rows run 1.5 times that many bytes per second, in 4 KiB and in 8 KiB writes.
const calibration = run(["-p", "linux", "-s", "4k", "--batch", "1"]);
const capacity = find(calibration, "linux", 4096).writesPerSecond.median;
const dragonflyRate = `${Math.max(1, Math.round((capacity * 4096 * 1.5) / (1 << 20)))}M`;

const rows: Row[] = [
  {
    statement: "A write larger than the maximum packet size fails and that output is lost (Linux: blocks otherwise)",
    command: ["-p", "native,linux", "-s", "1,4M,5M"],
    measured: (d) =>
      `native, linux: 1 B and 4 MiB writes flat out ${lost(find(d, "native", 1))}/${lost(find(d, "native", 4 << 20))} and ` +
      `${lost(find(d, "linux", 1))}/${lost(find(d, "linux", 4 << 20))} lost; 5 MiB (above Linux's 4,263,616-byte cap) ` +
      `${lost(find(d, "native", 5 << 20))}${cause(find(d, "native", 5 << 20))}`,
  },
  {
    statement: "The socket buffer is raised to at least PIPE_BUF and BUFSIZ",
    command: ["-p", "native", "-s", "4k,8k"],
    measured: (d) => {
      const r = find(d, "native", 4096);
      return `send/receive buffers ${formatBytes(r.sendBuffer)}/${formatBytes(r.receiveBuffer)} (dtee for Bun raises them to the system maximum); ${lost(r)} lost`;
    },
  },
  {
    statement: "FreeBSD/OpenBSD/Darwin: buffers of 512 KB (receive) and 256 KB (send) avoid problems most of the time",
    command: ["-p", "freebsd,openbsd,darwin", "-s", "4k", "--rates", "1000"],
    measured: (d) =>
      `4 KiB writes at 1,000/s: ${["freebsd", "openbsd", "darwin"].map((p) => `${p} ${lost(find(d, p, 4096))}`).join(", ")} lost`,
  },
  {
    statement: "Writes do not block when the receive buffer is full; programs writing more than 128-256 KB very quickly lose messages",
    command: ["-p", "freebsd,openbsd,darwin", "-s", "4k,64k,512k"],
    measured: (d) =>
      ["freebsd", "openbsd", "darwin"]
        .map((p) => `${p}: 4 KiB ${lost(find(d, p, 4096))}, 64 KiB ${lost(find(d, p, 65536))}, 512 KiB ${lost(find(d, p, 512 << 10))}`)
        .join("; ") +
      ` lost flat out; the writer ran at ${formatCount(find(d, "freebsd", 4096).writesPerSecond.median)} writes/s (FreeBSD, 4 KiB), never waiting; 512 KiB writes exceed the 256 KiB send buffer${cause(find(d, "freebsd", 512 << 10))}`,
  },
  {
    statement: "... or write inefficiently (1 byte at a time)",
    command: ["-p", "freebsd", "-s", "1", "--batch", "1"],
    measured: (d) => {
      const r = find(d, "freebsd", 1);
      return `relay taking one datagram per receive call (as dtee 1.1.3): ${lost(r)} of a 1-byte flood lost${cause(r)}; the buffer holds ${formatCount(r.emulatedBuffer!.records)} one-byte datagrams (sb_mbmax 2 MiB, 512 bytes of mbufs each)`;
    },
  },
  {
    statement: "(the same flood, dtee for Bun's relay: up to 32 datagrams per receive call)",
    command: ["-p", "freebsd", "-s", "1"],
    measured: (d) => `${lost(find(d, "freebsd", 1))} lost: the batching relay mostly keeps up with one writer`,
  },
  {
    statement: "NetBSD: the socket buffer can only be raised to 128 KB, so messages are very likely lost if written quickly",
    command: ["-p", "freebsd,netbsd", "-s", "1,4k", "--rates", "0,20000"],
    measured: (d) =>
      `1-byte flood: netbsd ${lost(find(d, "netbsd", 1, 0))} vs freebsd ${lost(find(d, "freebsd", 1, 0))}; ` +
      `4 KiB at 20,000/s: netbsd ${lost(find(d, "netbsd", 4096, 20000))} vs freebsd ${lost(find(d, "freebsd", 4096, 20000))} lost ` +
      `(NetBSD holds ${find(d, "netbsd", 1, 0).emulatedBuffer!.records} one-byte or ${find(d, "netbsd", 4096, 0).emulatedBuffer!.records} 4 KiB datagrams, FreeBSD ` +
      `${find(d, "freebsd", 1, 0).emulatedBuffer!.records} or ${find(d, "freebsd", 4096, 0).emulatedBuffer!.records}; 256 KiB is refused there, sb_max_adj 209,715)`,
  },
  {
    statement: "NetBSD: this results in an error on the receive call, so it will not go unreported",
    command: ["-p", "netbsd", "-s", "1,4k"],
    measured: (d) => {
      const a = find(d, "netbsd", 1);
      const b = find(d, "netbsd", 4096);
      return `${formatCount(a.receiveErrors)} and ${formatCount(b.receiveErrors)} receive errors (ENOBUFS) reported ${formatCount(a.messagesLostReported)} of ${formatCount(a.messagesLostBufferFull)} and ${formatCount(b.messagesLostReported)} of ${formatCount(b.messagesLostBufferFull)} lost datagrams`;
    },
  },
  {
    statement: "DragonFly: even with a 512 KB buffer, PIPE_BUF-sized writes written very quickly are lost; BUFSIZ writes are ok (fewer messages)",
    command: ["-p", "dragonfly", "-s", "4k,8k", "--byte-rates", dragonflyRate, "--batch", "1"],
    measured: (d) =>
      `at ${dragonflyRate}iB/s (1.5 times what the one-at-a-time relay takes in 4 KiB datagrams here): 4 KiB writes ${lost(find(d, "dragonfly", 4096))}, ` +
      `8 KiB writes ${lost(find(d, "dragonfly", 8192))} lost; the "512 KB" is ${formatBytes(find(d, "dragonfly", 4096).receiveBuffer)} (clamped to sb_max_adj)`,
  },
  {
    statement: "GNU Hurd: no addresses for Unix sockets, so none of the output works",
    command: ["-p", "hurd", "-s", "1,4k,8k"],
    measured: (d) => {
      const r = find(d, "hurd", 4096);
      return `unsupported: ${formatCount(r.messagesIgnored)} of ${formatCount(r.messagesWritten)} datagrams arrive without a sender address and are ignored; ${formatBytes(r.bytesDelivered)} delivered`;
    },
  },
  {
    statement: "GNU Hurd: writes larger than 4 KB are truncated",
    command: ["-p", "hurd", "-s", "8k,64k"],
    measured: (d) =>
      `${formatCount(find(d, "hurd", 8192).writesTruncated)} of ${formatCount(find(d, "hurd", 8192).messagesWritten)} 8 KiB and ` +
      `${formatCount(find(d, "hurd", 65536).writesTruncated)} of ${formatCount(find(d, "hurd", 65536).messagesWritten)} 64 KiB writes cut to 4,096 bytes`,
  },
  {
    statement: "Cygwin: as Linux, but what can be streamed quickly is limited by its 2 MB buffer",
    command: ["-p", "cygwin", "-s", "1,64k,1M,2M"],
    measured: (d) =>
      `1 B, 64 KiB, 1 MiB: ${lost(find(d, "cygwin", 1))}, ${lost(find(d, "cygwin", 65536))}, ${lost(find(d, "cygwin", 1 << 20))} lost (the writer waits); ` +
      `2 MiB writes ${lost(find(d, "cygwin", 2 << 20))}${cause(find(d, "cygwin", 2 << 20))}`,
  },
  {
    statement: "Cygwin: Unix sockets are UDP on localhost; another process can take the port",
    command: ["-p", "cygwin", "-s", "1"],
    measured: (d) => `not measured: shown as the profile's caveat (\`${d.profiles[0]!.caveat?.slice(0, 40)}...\`)`,
  },
];

const started = new Date();
const lines = ["| the Limitations page says | `dtee-bench` command | measured here |", "|---|---|---|"];
for (const row of rows) {
  const doc = run(row.command);
  const command = ["dtee-bench", ...row.command].join(" ");
  lines.push(`| ${row.statement} | \`${command}\` | ${row.measured(doc).replace(/\|/g, "\\|")} |`);
}
const m = calibration.machine;
console.log(
  `${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ${m.os} ${m.kernel.split("-")[0]} ${m.arch}, ${m.cpus} CPUs (${m.cpuModel}), ` +
    `Bun ${m.bun}${target === "dist" ? ", compiled" : ""}; ${repeats} runs per row after a warm-up.\n`,
);
console.log(lines.join("\n"));
