// End-to-end tests of dtee: the real CLI on real processes, exact bytes.
import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { readFileSync, writeFileSync, readdirSync, existsSync, mkdirSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { run, sh, prefix, tempDir } from "../support/helpers";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const P = prefix("dtee");
const file = (name: string) => join(dir, name);
const read = (name: string) => readFileSync(file(name));

// 10,000 alternating writes, each its own write(2): "o0\n", "e0\n", ...
const ALTERNATING = 'i=0; while [ $i -lt 5000 ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done';
function alternatingExpected(): { all: string; out: string; err: string } {
  let all = "", out = "", err = "";
  for (let i = 0; i < 5000; i++) {
    all += `o${i}\ne${i}\n`;
    out += `o${i}\n`;
    err += `e${i}\n`;
  }
  return { all, out, err };
}

describe("order", () => {
  test("10,000 alternating stdout/stderr writes keep their order on the terminal side and in -C", () => {
    const r = sh(`$DTEE -C ${file("order.c")} -O ${file("order.o")} -E ${file("order.e")} sh -c '${ALTERNATING}' >${file("order.term")} 2>&1`);
    expect(r.status).toBe(0);
    const want = alternatingExpected();
    expect(read("order.term").toString()).toBe(want.all);
    expect(read("order.c").toString()).toBe(want.all);
    expect(read("order.o").toString()).toBe(want.out);
    expect(read("order.e").toString()).toBe(want.err);
  });

  test("stdout and stderr stay separate when they go to different places", () => {
    const r = run("dtee", ["sh", "-c", "echo one; echo two >&2; echo three"]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("one\nthree\n");
    expect(r.stderr.toString()).toBe("two\n");
  });
});

describe("file options", () => {
  const cmd = ["sh", "-c", "echo out; echo err >&2"];
  const cases: [string, string, string][] = [
    ["-o", "out\n", "append"],
    ["-O", "out\n", "overwrite"],
    ["-e", "err\n", "append"],
    ["-E", "err\n", "overwrite"],
    ["-c", "out\nerr\n", "append"],
    ["-C", "out\nerr\n", "overwrite"],
  ];
  for (const [flag, want, mode] of cases) {
    test(`${flag} alone (${mode})`, () => {
      const name = `alone${flag}`;
      writeFileSync(file(name), "old\n");
      const r = run("dtee", [flag, file(name), ...cmd]);
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toBe("out\n");
      expect(r.stderr.toString()).toBe("err\n");
      expect(read(name).toString()).toBe(mode === "append" ? "old\n" + want : want);
    });
  }

  test("long forms, with = and as a separate word", () => {
    const r = run("dtee", [
      `--out-append=${file("l.o")}`,
      "--err-overwrite",
      file("l.e"),
      `--combined-overwrite=${file("l.c")}`,
      ...cmd,
    ]);
    expect(r.status).toBe(0);
    expect(read("l.o").toString()).toBe("out\n");
    expect(read("l.e").toString()).toBe("err\n");
    expect(read("l.c").toString()).toBe("out\nerr\n");
  });

  test("attached short values and all options combined and repeated", () => {
    writeFileSync(file("r.o2"), "keep\n");
    const r = run("dtee", [
      `-O${file("r.o1")}`,
      "-o", file("r.o2"),
      "-E", file("r.e1"),
      "-E", file("r.e2"),
      "-C", file("r.c1"),
      "-c", file("r.c2"),
      ...cmd,
    ]);
    expect(r.status).toBe(0);
    expect(read("r.o1").toString()).toBe("out\n");
    expect(read("r.o2").toString()).toBe("keep\nout\n");
    expect(read("r.e1").toString()).toBe("err\n");
    expect(read("r.e2").toString()).toBe("err\n");
    expect(read("r.c1").toString()).toBe("out\nerr\n");
    expect(read("r.c2").toString()).toBe("out\nerr\n");
  });

  test("the same file named twice for append gets both copies", () => {
    const r = run("dtee", ["-o", file("twice"), "-o", file("twice"), "echo", "x"]);
    expect(r.status).toBe(0);
    expect(read("twice").toString()).toBe("x\nx\n");
  });

  test("files are created 0666 less the umask", () => {
    const r = sh(`umask 027; $DTEE -O ${file("mode027")} true`);
    expect(r.status).toBe(0);
    const { statSync } = require("node:fs");
    expect(statSync(file("mode027")).mode & 0o777).toBe(0o640);
  });
});

describe("data", () => {
  test("binary data with every byte value passes unchanged", () => {
    const bytes = Buffer.alloc(256 * 64);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
    writeFileSync(file("bytes.bin"), bytes);
    const r = run("dtee", ["-O", file("bytes.o"), "-C", file("bytes.c"), "cat", file("bytes.bin")]);
    expect(r.status).toBe(0);
    expect(Buffer.compare(r.stdout, bytes)).toBe(0);
    expect(Buffer.compare(read("bytes.o"), bytes)).toBe(0);
    expect(Buffer.compare(read("bytes.c"), bytes)).toBe(0);
  });

  for (const size of [1, 4096, 65536, 1 << 20, 4 << 20]) {
    test(`a single write of ${size} bytes reaches every output whole`, () => {
      const src = Buffer.alloc(size);
      for (let i = 0; i < size; i++) src[i] = (i * 131 + 7) & 0xff;
      writeFileSync(file(`w${size}.src`), src);
      // dd with one block of `size` bytes makes exactly one write(2).
      const r = run("dtee", [
        "-O", file(`w${size}.o`), "-C", file(`w${size}.c`),
        "dd", `if=${file(`w${size}.src`)}`, `bs=${size}`, "count=1", "status=none",
      ]);
      expect(r.stderr.toString()).toBe("");
      expect(r.status).toBe(0);
      expect(Buffer.compare(r.stdout, src)).toBe(0);
      expect(Buffer.compare(read(`w${size}.o`), src)).toBe(0);
      expect(Buffer.compare(read(`w${size}.c`), src)).toBe(0);
    });
  }

  test("stdin reaches the command", () => {
    const r = run("dtee", ["cat"], { input: "from stdin\n" });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("from stdin\n");
  });

  test("an extra inherited descriptor reaches the command", () => {
    const r = sh(`$DTEE sh -c 'echo via-fd9 >&9' 9>${file("fd9")}`);
    expect(r.status).toBe(0);
    expect(read("fd9").toString()).toBe("via-fd9\n");
  });
});

describe("exit status", () => {
  for (const code of [0, 1, 42]) {
    test(`exit ${code} is passed on`, () => {
      const r = run("dtee", ["sh", "-c", `exit ${code}`]);
      expect(r.status).toBe(code);
      expect(r.stderr.toString()).toBe("");
    });
  }

  test("a command killed by SIGTERM gives 143", () => {
    const r = run("dtee", ["sh", "-c", "kill -TERM $$"]);
    expect(r.status).toBe(143);
    expect(r.signal).toBeNull();
  });

  test("a command killed by SIGINT makes dtee die of SIGINT too", () => {
    const r = run("dtee", ["sh", "-c", "kill -INT $$"]);
    expect(r.status).toBeNull();
    expect(r.signal).toBe("SIGINT");
  });

  test("command not found: 66 and the message", () => {
    const r = run("dtee", ["-E", file("nf.e"), "dtee-no-such-command"]);
    expect(r.status).toBe(66);
    const msg = `${P}: dtee-no-such-command: No such file or directory\n`;
    expect(r.stderr.toString()).toBe(msg);
    // As with dtee, the message is part of the command's stderr.
    expect(read("nf.e").toString()).toBe(msg);
  });

  test("command not executable: 66", () => {
    writeFileSync(file("noexec.sh"), "#!/bin/sh\necho hi\n");
    chmodSync(file("noexec.sh"), 0o644);
    const r = run("dtee", [file("noexec.sh")]);
    expect(r.status).toBe(66);
    expect(r.stderr.toString()).toBe(`${P}: ${file("noexec.sh")}: Permission denied\n`);
  });

  test("an output file that cannot be opened: 73, and the command is not run", () => {
    const marker = file("should-not-exist");
    const r = run("dtee", ["-o", join(dir, "missing-dir", "x"), "touch", marker]);
    expect(r.status).toBe(73);
    expect(r.stderr.toString()).toBe(`${P}: ${join(dir, "missing-dir", "x")}: No such file or directory\n`);
    expect(existsSync(marker)).toBe(false);
  });

  test("an unknown option: 64 and a usage hint", () => {
    const r = run("dtee", ["--bogus", "true"]);
    expect(r.status).toBe(64);
    expect(r.stderr.toString()).toBe(`${P}: unrecognised option '--bogus'\nTry '${P} -h' for more information.\n`);
  });

  test("a missing option argument: 64", () => {
    const r = run("dtee", ["-o"]);
    expect(r.status).toBe(64);
    expect(r.stderr.toString()).toBe(`${P}: the required argument for option '--out-append' is missing\nTry '${P} -h' for more information.\n`);
  });

  test("no command: the usage on stdout and 64", () => {
    const r = run("dtee", []);
    expect(r.status).toBe(64);
    expect(r.stdout.toString()).toStartWith(`Usage: ${P} [OPTION]... COMMAND [ARG]...\n`);
  });

  test("-h and -V exit 0; options stop at the command and at --", () => {
    expect(run("dtee", ["-h"]).status).toBe(0);
    const v = run("dtee", ["-V"]);
    expect(v.status).toBe(0);
    expect(v.stdout.toString()).toMatch(/^dtee \d+\.\d+\.\d+/);
    const r = run("dtee", ["echo", "-o", "x"]);
    expect(r.stdout.toString()).toBe("-o x\n");
    const r2 = run("dtee", ["--", "echo", "-h"]);
    expect(r2.stdout.toString()).toBe("-h\n");
  });
});

describe("pipes and signals", () => {
  test("dtee yes | head -1 ends promptly with status 141", () => {
    // A subshell records dtee's own status (sh has no PIPESTATUS).
    const r = sh(`( $DTEE yes; echo $? > ${file("yes.status")} ) | head -1`, { timeoutMs: 20_000 });
    expect(r.stdout.toString()).toBe("y\n");
    expect(read("yes.status").toString().trim()).toBe("141");
  });
});

describe("isolation", () => {
  test("the socket directory is gone before the command runs and nothing is left in TMPDIR", () => {
    const t = join(dir, "tmp-isolation");
    mkdirSync(t);
    const r = run("dtee", ["sh", "-c", 'ls -A "$TMPDIR"; echo done'], { env: { TMPDIR: t } });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("done\n");
    expect(readdirSync(t)).toEqual([]);
  });

  test("the input socket cannot be reached by name from another socket", () => {
    // The command looks up the peer of its own stdout and tries to send to
    // it from a fresh socket: the path must not exist any more.
    const py = [
      "import socket, sys",
      "s = socket.socket(fileno=1)",
      "peer = s.getpeername()",
      "t = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
      "try:",
      "    t.sendto(b'INJECTED', peer)",
      "    print('sent', file=sys.stderr)",
      "except OSError as e:",
      "    print('refused', e.errno, file=sys.stderr)",
    ].join("\n");
    const r = run("dtee", ["-C", file("inject.c"), "python3", "-c", py]);
    expect(r.status).toBe(0);
    expect(r.stderr.toString()).toMatch(/^refused \d+\n$/);
    expect(read("inject.c").toString()).not.toContain("INJECTED");
  });
});
