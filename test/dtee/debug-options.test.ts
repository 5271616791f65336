// The hidden --debug-options: dtee 1.1.3's own test suite drives the option
// parser through it, so its output is theirs to the byte. A handful of the
// cases from upstream's tests/options, plus what it must not do (run the
// command, appear in the help).
import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { run, sh, prefix, tempDir } from "../support/helpers";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const lines = (...l: string[]) => l.map((x) => x + "\n").join("");

function listing(args: string[], tool: "dtee" | "cronty" = "dtee") {
  const r = run(tool, args);
  return { status: r.status, stdout: r.stdout.toString("latin1"), stderr: r.stderr.toString() };
}

describe("--debug-options prints the parsed options, as dtee 1.1.3 does", () => {
  test("alone: just itself", () => {
    expect(listing(["--debug-options"])).toEqual({ status: 0, stdout: "debug-options=1\n", stderr: "" });
  });

  test("names in byte order, each option's values in the order given, the command under '-'", () => {
    const args = ["-o", "o2", "-e", "e3", "-C", "c2", "-o", "o3", "-e", "e2", "-C", "c1", "-o", "o1", "--debug-options", "cmd", "a b", ""];
    expect(listing(args)).toEqual({
      status: 0,
      stdout: lines("-=cmd", "-=a b", "-=", "combined-overwrite=c2", "combined-overwrite=c1", "debug-options=1", "err-append=e3", "err-append=e2", "out-append=o2", "out-append=o3", "out-append=o1"),
      stderr: "",
    });
  });

  test("boost's '--=WORD' is a command word and options go on (upstream's cmd-obscure-boost-syntax)", () => {
    const args = ["--debug-options", "-o", "stdout_append", "--=command", "-e", "stderr_append", "--=argument 1", "-c", "combined_append", "--=argument 2", "-q", "--=argument 3"];
    expect(listing(args)).toEqual({
      status: 0,
      stdout: lines("-=command", "-=argument 1", "-=argument 2", "-=argument 3", "combined-append=combined_append", "cron=1", "debug-options=1", "err-append=stderr_append", "out-append=stdout_append"),
      stderr: "",
    });
  });

  test("an empty word ends the options (upstream's mixed-empty5); '--' too; switches print =1", () => {
    expect(listing(["--debug-options", "-o", "filename1", "", "-e", "filename2", "", "-c", "filename3", ""]).stdout).toBe(
      lines("-=", "-=-e", "-=filename2", "-=", "-=-c", "-=filename3", "-=", "debug-options=1", "out-append=filename1"),
    );
    expect(listing(["-iq", "--debug-options", "--", "-o", "x"]).stdout).toBe(lines("-=-o", "-=x", "cron=1", "debug-options=1", "ignore-interrupts=1"));
    expect(listing(["--debug-options", "--line-buffered", "--tag", "--log=f", "x"]).stdout).toBe(
      lines("-=x", "debug-options=1", "line-buffered=1", "log=f", "tag=1"),
    );
  });

  test("cronty lists cron=1 only when -q is given", () => {
    expect(listing(["--debug-options", "x"], "cronty").stdout).toBe(lines("-=x", "debug-options=1"));
    expect(listing(["-q", "--debug-options", "x"], "cronty").stdout).toBe(lines("-=x", "cron=1", "debug-options=1"));
  });

  test("bytes that are not UTF-8 come back as they went in", () => {
    const r = sh(`$DTEE --debug-options -o "$(printf 'f\\377')" "$(printf 'c\\351')"`);
    expect(r.status).toBe(0);
    expect([...r.stdout]).toEqual([...Buffer.from("-=c\xe9\ndebug-options=1\nout-append=f\xff\n", "latin1")]);
  });

  test("a parse error wins (upstream's invalid-short), then --help, then --version", () => {
    const p = prefix("dtee");
    expect(listing(["--debug-options", "-a", "-y"])).toEqual({
      status: 64,
      stdout: "",
      stderr: `${p}: unrecognised option '-a'\nTry '${p} -h' for more information.\n`,
    });
    expect(listing(["--debug-options", "--debug-options"]).stderr).toBe(
      `${p}: option '--debug-options' cannot be specified more than once\nTry '${p} -h' for more information.\n`,
    );
    expect(listing(["--debug-options", "-h"]).stdout).toStartWith(`Usage: ${p} `);
    expect(listing(["--debug-options", "-V"]).stdout).toStartWith("dtee ");
  });

  test("runs nothing, creates no file, and is not in the help", () => {
    const made = join(dir, "made");
    const r = listing(["--debug-options", "-o", join(dir, "out"), "touch", made]);
    expect(r.status).toBe(0);
    expect(existsSync(made)).toBe(false);
    expect(existsSync(join(dir, "out"))).toBe(false);
    expect(listing(["-h"]).stdout).not.toContain("debug");
    expect(listing(["-h"], "cronty").stdout).not.toContain("debug");
  });
});
