// --line-buffered: a C program and a Python program that alternate a stdout
// line and a stderr line keep the printed order in -C files, on the terminal
// side and in cronty's report; the environment is the caller's, byte for
// byte, without the option; an existing LD_PRELOAD is kept.
import { describe, test, expect, afterAll } from "bun:test";
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sh, runSync, prefix, toolCmd, skipTitle, type RunResult } from "../support/helpers";
import { findLibstdbuf, lineBufferedEnviron } from "../../src/dtee/line-buffering";

const dir = mkdtempSync(join(tmpdir(), "dtee-line-buffered-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);

const CC = Bun.which("cc") ?? Bun.which("gcc");
const PYTHON = Bun.which("python3");
const lookup = findLibstdbuf(Object.entries(process.env).map(([k, v]) => Buffer.from(`${k}=${v ?? ""}`)));
const LIBSTDBUF = "path" in lookup ? lookup.path.toString("latin1") : undefined;

const N = 1000;
const ALTERNATING = Array.from({ length: N }, (_, i) => `out ${i}\nerr ${i}\n`).join("");

/** Builds the test programs once: the alternating printer and a preload that does nothing. */
function build(): { alternate: string; preload: string } | string {
  if (!CC) return "no C compiler (cc) on PATH";
  writeFileSync(
    file("alternate.c"),
    '#include <stdio.h>\n#include <stdlib.h>\nint main(int argc, char **argv) {\n  int n = atoi(argv[1]);\n' +
      '  for (int i = 0; i < n; i++) { printf("out %d\\n", i); fprintf(stderr, "err %d\\n", i); }\n  return 0;\n}\n',
  );
  writeFileSync(file("noop.c"), "void dtee_test_noop(void) {}\n");
  for (const args of [["-O2", "-o", file("alternate"), file("alternate.c")], ["-shared", "-fPIC", "-o", file("noop.so"), file("noop.c")]]) {
    let r: RunResult;
    try {
      r = runSync([CC, ...args], { timeoutMs: 60_000 });
    } catch (e) {
      return `${CC} failed: ${e}`;
    }
    if (r.status !== 0) return `${CC} failed: ${r.stderr}`;
  }
  return { alternate: file("alternate"), preload: file("noop.so") };
}
const built = build();
const C = typeof built === "string" ? undefined : built;
const NO_C = typeof built === "string" ? built : !LIBSTDBUF ? "coreutils' libstdbuf.so not found" : "";

const DTEE = toolCmd("dtee");
const CRONTY = toolCmd("cronty");

describe.skipIf(!!NO_C)(NO_C ? `C stdio (skipped: ${NO_C})` : "C stdio", () => {
  test("without the option the C program's lines are out of order (its stdout is block-buffered)", () => {
    const r = sh(`${DTEE} -C ${file("c.plain")} ${C!.alternate} ${N} >/dev/null 2>&1`);
    expect(r.status).toBe(0);
    const got = readFileSync(file("c.plain"), "utf8");
    expect(got.length).toBe(ALTERNATING.length);
    expect(got).not.toBe(ALTERNATING);
  });

  test("-l: the -C file and the terminal side are exactly in the printed order", () => {
    const r = sh(`${DTEE} -l -C ${file("c.lb")} ${C!.alternate} ${N} >${file("c.term")} 2>&1`);
    expect([r.status, r.stderr.toString()]).toEqual([0, ""]);
    expect(readFileSync(file("c.lb"), "utf8")).toBe(ALTERNATING);
    expect(readFileSync(file("c.term"), "utf8")).toBe(ALTERNATING);
  });

  test("cronty --line-buffered: the report is in the printed order, then the status line", () => {
    const r = sh(`${CRONTY} --line-buffered ${C!.alternate} ${N} >${file("c.cron")} 2>&1`);
    expect(r.status).toBe(0);
    expect(readFileSync(file("c.cron"), "utf8")).toBe(`${ALTERNATING}${prefix("cronty")}: ${C!.alternate}: exited with status 0\n`);
  });

  test("with --tag and --log too", () => {
    const r = sh(`${DTEE} -l --tag -C ${file("c.tag")} --log ${file("c.log")} ${C!.alternate} 50 >/dev/null 2>&1`);
    expect(r.status).toBe(0);
    const tagged = Array.from({ length: 50 }, (_, i) => `O out ${i}\nE err ${i}\n`).join("");
    expect(readFileSync(file("c.tag"), "utf8")).toBe(tagged);
    const writes = readFileSync(file("c.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((rec) => rec.type === "write")
      .map((rec) => `${rec.stream === "stdout" ? "O" : "E"} ${rec.text}`)
      .join("");
    expect(writes).toBe(tagged);
  });

  test("an existing LD_PRELOAD is kept, libstdbuf.so is added after it, and its preload still loads", () => {
    const r = sh(`LD_PRELOAD=${C!.preload} ${DTEE} -l sh -c 'echo "$LD_PRELOAD"; grep -q noop.so /proc/$$/maps && echo loaded'`);
    expect([r.status, r.stderr.toString()]).toEqual([0, ""]);
    expect(r.stdout.toString()).toBe(`${C!.preload}:${LIBSTDBUF}\nloaded\n`);
    // Without the option, untouched.
    expect(sh(`LD_PRELOAD=${C!.preload} ${DTEE} sh -c 'echo "$LD_PRELOAD"'`).stdout.toString()).toBe(`${C!.preload}\n`);
  });
});

describe.skipIf(!PYTHON)(PYTHON ? "Python" : "Python (skipped: no python3 on PATH)", () => {
  const script = `import sys\nfor i in range(${N}):\n    print(f"out {i}")\n    print(f"err {i}", file=sys.stderr)\n`;
  const env = { PYTHONUNBUFFERED: undefined };

  function python(args: string[], name: string) {
    writeFileSync(file("alternate.py"), script);
    const r = runSync([...DTEE.split(" "), ...args, "-C", file(name), PYTHON!, file("alternate.py")], { env });
    expect(r.status).toBe(0);
    return readFileSync(file(name), "utf8");
  }

  test("without the option (and without PYTHONUNBUFFERED) out of order; with -l exactly in order", () => {
    expect(python([], "py.plain")).not.toBe(ALTERNATING);
    expect(python(["-l"], "py.lb")).toBe(ALTERNATING);
  });
});

describe("the environment", () => {
  // env -i gives the exact environment, a value that is not UTF-8 included.
  const vars = `"$(printf 'ODD=\\377\\376')" 'LD_PRELOAD=' 'PYTHONUNBUFFERED=' '_STDBUF_O=0' "PATH=$PATH" 'A=1' 'A=2'`;
  const direct = () => sh(`env -i ${vars} cat /proc/self/environ`).stdout;

  test("without --line-buffered the command's environment is the caller's, byte for byte", () => {
    const through = sh(`env -i ${vars} ${DTEE} cat /proc/self/environ`);
    expect(through.status).toBe(0);
    expect([...through.stdout]).toEqual([...direct()]);
  });

  test("with it: the caller's entries in order, then what was added", () => {
    const through = sh(`env -i ${vars} DTEE_LIBSTDBUF=/nonexistent/libstdbuf.so ${DTEE} -l cat /proc/self/environ`);
    expect(through.status).toBe(0);
    // No library: one warning, and only the Python switch; an empty PYTHONUNBUFFERED means off, so it is replaced.
    expect(through.stderr.toString()).toBe(
      `${prefix("dtee")}: --line-buffered: DTEE_LIBSTDBUF=/nonexistent/libstdbuf.so: not a usable file; C programs keep their stdout buffering\n`,
    );
    const want = Buffer.concat([
      Buffer.from(direct().toString("latin1").replace("PYTHONUNBUFFERED=\0", ""), "latin1"),
      Buffer.from("DTEE_LIBSTDBUF=/nonexistent/libstdbuf.so\0PYTHONUNBUFFERED=1\0"),
    ]);
    // DTEE_LIBSTDBUF sits where env -i put it: after the others.
    expect([...through.stdout]).toEqual([...want]);
  });

  test.skipIf(!LIBSTDBUF)(skipTitle("with libstdbuf.so found: LD_PRELOAD and _STDBUF_O=L take their places", LIBSTDBUF ? undefined : "coreutils' libstdbuf.so not found"), () => {
    const through = sh(`env -i ${vars} ${DTEE} --line-buffered cat /proc/self/environ`);
    expect([through.status, through.stderr.toString()]).toEqual([0, ""]);
    const want = direct()
      .toString("latin1")
      .replace("LD_PRELOAD=\0", `LD_PRELOAD=${LIBSTDBUF}\0`)
      .replace("PYTHONUNBUFFERED=\0", "")
      .replace("_STDBUF_O=0\0", "_STDBUF_O=L\0");
    expect([...through.stdout]).toEqual([...Buffer.from(want + "PYTHONUNBUFFERED=1\0", "latin1")]);
  });
});

describe("lineBufferedEnviron", () => {
  const env = (...e: string[]) => e.map((x) => Buffer.from(x, "latin1"));
  const text = (e: Buffer[]) => e.map((x) => x.toString("latin1"));
  const lib = Buffer.from("/usr/lib/coreutils/libstdbuf.so");

  test("appends to every LD_PRELOAD (ld.so reads the last, getenv the first), never twice", () => {
    expect(text(lineBufferedEnviron(env("LD_PRELOAD=/a.so /b.so", "X=\xff", "LD_PRELOAD=/c.so"), lib))).toEqual([
      "LD_PRELOAD=/a.so /b.so:/usr/lib/coreutils/libstdbuf.so",
      "X=\xff",
      "LD_PRELOAD=/c.so:/usr/lib/coreutils/libstdbuf.so",
      "_STDBUF_O=L",
      "PYTHONUNBUFFERED=1",
    ]);
    expect(text(lineBufferedEnviron(env("LD_PRELOAD=/a.so:/usr/lib/coreutils/libstdbuf.so"), lib))[0]).toBe(
      "LD_PRELOAD=/a.so:/usr/lib/coreutils/libstdbuf.so",
    );
  });

  test("keeps a PYTHONUNBUFFERED the caller set; one _STDBUF_O, L; without a library, only Python", () => {
    expect(text(lineBufferedEnviron(env("PYTHONUNBUFFERED=x", "_STDBUF_O=0", "_STDBUF_O=4096"), lib))).toEqual([
      "PYTHONUNBUFFERED=x",
      "_STDBUF_O=L",
      "LD_PRELOAD=/usr/lib/coreutils/libstdbuf.so",
    ]);
    expect(text(lineBufferedEnviron(env("LD_PRELOAD=/a.so", "_STDBUF_O=0"), undefined))).toEqual([
      "LD_PRELOAD=/a.so",
      "_STDBUF_O=0",
      "PYTHONUNBUFFERED=1",
    ]);
  });
});
