// Bad input: a table of malformed options with their exact messages, a
// seeded fuzz of the argument parser in-process against a reference model
// written from dtee's documented grammar, and a smaller seeded fuzz through
// the real CLI (dtee and cronty) whose every outcome is predicted exactly.
// Bounded: a fixed number of cases, each run with a time limit. Set
// FUZZ_SEED to replay another seed; the seed in use is printed. The models
// and generators are in test/support/fuzz-model.ts; this file holds the tests.
import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { readdirSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { prefix, tempDir, COMPILED, ROOT, skipTitle, runTool, type ToolName } from "../support/helpers";
import { Rng, looksLikeCrash, figure } from "../support/reliability-common";
import { parseDtee, type DteeCli } from "../../src/cli/dtee";
import { model, modelParse, comparable, wildArgs, runnableArgs, specModel, wildSpec, type Model } from "../support/fuzz-model";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const SEED = Number(process.env.FUZZ_SEED ?? 0x7e57_d7ee) >>> 0;

const usage = (p: string, message: string) => `${p}: ${message}\nTry '${p} -h' for more information.\n`;

// ---------------------------------------------------------------------------

describe("malformed options: exact message, usage status 64, nothing created", () => {
  const cases: [string[], string][] = [
    [["--bogus", "true"], "unrecognised option '--bogus'"],
    [["-x", "true"], "unrecognised option '-x'"],
    [["-Q", "true"], "unrecognised option '-Q'"],
    [["-qx", "true"], "unrecognised option '-qx'"],
    [["-i=1", "true"], "unrecognised option '-i=1'"],
    [["-ä", "true"], "unrecognised option '-ä'"],
    [["--OUT-APPEND=x", "true"], "unrecognised option '--OUT-APPEND=x'"],
    [["--out", "true"], "unrecognised option '--out'"],
    [["--ign", "true"], "unrecognised option '--ign'"],
    [["--cr", "true"], "unrecognised option '--cr'"],
    [["---"], "the required argument for option '---' is missing"],
    [["---", "-q", "true"], "the required argument for option '---' is missing"],
    [["---o", "true"], "unrecognised option '---o'"],
    [["--=", "true"], "the argument for option should follow immediately after the equal sign"],
    [["---=", "true"], "the argument for option '---' should follow immediately after the equal sign"],
    [["--bogus=", "true"], "the argument for option '--bogus' should follow immediately after the equal sign"],
    [["--out-appendx=1", "true"], "unrecognised option '--out-appendx=1'"],
    [["--a\nb", "true"], "unrecognised option '--a\nb'"],
    [["-o"], "the required argument for option '--out-append' is missing"],
    [["-O"], "the required argument for option '--out-overwrite' is missing"],
    [["-e"], "the required argument for option '--err-append' is missing"],
    [["-E"], "the required argument for option '--err-overwrite' is missing"],
    [["-c"], "the required argument for option '--combined-append' is missing"],
    [["-C"], "the required argument for option '--combined-overwrite' is missing"],
    [["-qio"], "the required argument for option '--out-append' is missing"],
    [["--out-append"], "the required argument for option '--out-append' is missing"],
    [["--combined-overwrite"], "the required argument for option '--combined-overwrite' is missing"],
    // A value option does not take one of the short options, or "--X=", as its value.
    [["-o", "-i", "true"], "the required argument for option '--out-append' is missing"],
    [["--err-append", "-V", "true"], "the required argument for option '--err-append' is missing"],
    [["-o", "--x=", "true"], "the argument for option '--out-append' should follow immediately after the equal sign"],
    [["--out-append=", "true"], "the argument for option '--out-append' should follow immediately after the equal sign"],
    [["--err-overwrite=", "true"], "the argument for option '--err-overwrite' should follow immediately after the equal sign"],
    [["--cron=1", "true"], "option '--cron' does not take any arguments"],
    [["--cron=", "true"], "the argument for option '--cron' should follow immediately after the equal sign"],
    [["--help=x"], "option '--help' does not take any arguments"],
    [["--version="], "the argument for option '--version' should follow immediately after the equal sign"],
    [["--ignore-interrupts=yes", "true"], "option '--ignore-interrupts' does not take any arguments"],
    [["-qq", "true"], "option '--cron' cannot be specified more than once"],
    [["-q", "--cron", "true"], "option '--cron' cannot be specified more than once"],
    [["-ii", "true"], "option '--ignore-interrupts' cannot be specified more than once"],
    [["-i", "-q", "-i", "true"], "option '--ignore-interrupts' cannot be specified more than once"],
    [["-hh"], "option '--help' cannot be specified more than once"],
    [["-VV"], "option '--version' cannot be specified more than once"],
    [["--help", "--help"], "option '--help' cannot be specified more than once"],
    // A parse error beats --help.
    [["-h", "--bogus"], "unrecognised option '--bogus'"],
    [["-h", "-o"], "the required argument for option '--out-append' is missing"],
    [["--" + "x".repeat(100_000), "true"], `unrecognised option '--${"x".repeat(100_000)}'`],
  ];
  for (const tool of ["dtee", "cronty"] as ToolName[]) {
    test(`${tool}: ${cases.length} malformed command lines`, async () => {
      const p = prefix(tool);
      for (const [index, [args, message]] of cases.entries()) {
        const cwd = join(dir, `malformed-${tool}-${index}`);
        mkdirSync(cwd, { recursive: true });
        const r = await runTool(tool, args, { cwd, timeoutMs: 15_000 });
        const shown = JSON.stringify(args).slice(0, 80);
        expect({ shown, status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }).toEqual({
          shown,
          status: 64,
          stdout: "",
          stderr: usage(p, message),
        });
        expect(readdirSync(cwd)).toEqual([]);
      }
    }, 60_000);
  }

  test("no command: the usage on stdout, status 64, and no file created (-o f, -q, -i, --)", async () => {
    for (const args of [[], ["-o", "f"], ["-q"], ["-i"], ["-q", "--"], ["-C", "f", "--"]]) {
      const cwd = join(dir, `nocmd-${args.join("_") || "none"}`);
      mkdirSync(cwd, { recursive: true });
      const r = await runTool("dtee", args, { cwd, timeoutMs: 15_000 });
      expect(r.status).toBe(64);
      expect(r.stdout.toString()).toStartWith(`Usage: ${prefix("dtee")} [OPTION]... COMMAND [ARG]...\n`);
      expect(r.stderr.toString()).toBe("");
      expect(readdirSync(cwd)).toEqual([]);
    }
  }, 60_000);

  test("odd commands and file names: empty, '-', an empty file name", async () => {
    const p = prefix("dtee");
    const empty = await runTool("dtee", [""], { timeoutMs: 15_000 });
    expect([empty.status, empty.stderr.toString()]).toEqual([66, `${p}: : No such file or directory\n`]);
    const dash = await runTool("dtee", ["-"], { timeoutMs: 15_000 });
    expect([dash.status, dash.stderr.toString()]).toEqual([66, `${p}: -: No such file or directory\n`]);
    const emptyFile = await runTool("dtee", ["-o", "", "true"], { timeoutMs: 15_000 });
    expect([emptyFile.status, emptyFile.stderr.toString()]).toEqual([73, `${p}: : No such file or directory\n`]);
    const cronEmptyFile = await runTool("cronty", ["-o", "", "true"], { timeoutMs: 15_000 });
    expect([cronEmptyFile.status, cronEmptyFile.stderr.toString()]).toEqual([
      73,
      `${prefix("cronty")}: : No such file or directory\n${prefix("cronty")}: true: exited with status 0\n`,
    ]);
  }, 60_000);
});

describe("seeded fuzz of the dtee/cronty argument parser", () => {
  test("50,000 generated command lines in-process: never throws, always agrees with the reference model", () => {
    console.log(`fuzz seed ${SEED} (set FUZZ_SEED to replay)`);
    const rng = new Rng(SEED);
    const kinds: Record<string, number> = {};
    const disagreements: unknown[] = [];
    const t0 = performance.now();
    for (let n = 0; n < 50_000; n++) {
      const args = wildArgs(rng);
      const cronty = rng.chance(0.3);
      const argv0 = rng.pick(["dtee", "cronty", "./dtee", "/usr/bin/cronty"]);
      let got: DteeCli;
      try {
        got = parseDtee(argv0, args, cronty);
      } catch (e) {
        disagreements.push({ args, cronty, threw: String(e) });
        continue;
      }
      kinds[got.kind] = (kinds[got.kind] ?? 0) + 1;
      if (got.kind === "usage-error") {
        if (got.hint !== `Try '${argv0} -h' for more information.`) disagreements.push({ args, hint: got.hint });
      }
      if (got.kind === "help" || got.kind === "no-command") {
        if (!got.text.startsWith(`Usage: ${argv0} [OPTION]... COMMAND [ARG]...\n`)) disagreements.push({ args, text: got.text.slice(0, 60) });
      }
      const want = model(args, cronty);
      if (!Bun.deepEquals(comparable(got), want)) disagreements.push({ args, cronty, got: comparable(got), want });
      // Words after the command never change how the options were read (once
      // a word has ended the options: "--=cmd" and "-" do not).
      if (got.kind === "run" && modelParse(args, cronty).captured) {
        const more = parseDtee(argv0, [...args, "-h", "--bogus"], cronty);
        const a = comparable(got) as Extract<Model, { kind: "run" }>;
        const b = comparable(more) as Extract<Model, { kind: "run" }>;
        if (!Bun.deepEquals({ ...b, command: b.command.slice(0, -2) }, a)) disagreements.push({ args, extended: b });
      }
      if (disagreements.length > 5) break;
    }
    figure("parser fuzz", { cases: 50_000, ms: Math.round(performance.now() - t0), kinds });
    expect(disagreements).toEqual([]);
    // The generator reaches every outcome.
    for (const k of ["run", "usage-error", "help", "version", "no-command"]) expect(kinds[k] ?? 0).toBeGreaterThan(50);
  }, 60_000);

  test("48 generated command lines through the real dtee and cronty: no crash or hang, every outcome exactly as predicted", async () => {
    const rng = new Rng(SEED ^ 0x9e3779b9);
    const seen: Record<string, number> = {};
    for (let n = 0; n < 48; n++) {
      const tool: ToolName = n % 3 === 2 ? "cronty" : "dtee";
      const p = prefix(tool);
      const args = runnableArgs(rng);
      // Run as a script, Bun itself drops a "--" right after the script name.
      const effective = !COMPILED && args[0] === "--" ? args.slice(1) : args;
      const cli = parseDtee(p, effective, tool === "cronty");
      const cwd = join(dir, `cli-${n}`);
      mkdirSync(cwd);
      const r = await runTool(tool, args, { cwd, timeoutMs: 15_000 });
      const out = r.stdout.toString();
      const err = r.stderr.toString();
      const label = { n, tool, args };
      expect({ ...label, timedOut: r.timedOut, signal: r.signal, crash: looksLikeCrash(err) }).toEqual({
        ...label,
        timedOut: false,
        signal: null,
        crash: false,
      });
      seen[cli.kind] = (seen[cli.kind] ?? 0) + 1;
      let want: { status: number; stdout?: string; stderr: string; files: string[] };
      switch (cli.kind) {
        case "usage-error":
          want = { status: 64, stdout: "", stderr: usage(p, cli.message), files: [] };
          break;
        case "help":
          want = { status: 0, stdout: cli.text, stderr: "", files: [] };
          break;
        case "version":
          want = { status: 0, stdout: cli.text, stderr: "", files: [] };
          break;
        case "no-command":
          want = { status: 64, stdout: cli.text, stderr: "", files: [] };
          break;
        case "run": {
          expect(cli.config.command[0]).toBe("true");
          const bad = cli.config.outputs.filter((o) => o.path === "" || o.path.startsWith("nodir/"));
          const made = [...new Set(cli.config.outputs.filter((o) => !bad.includes(o)).map((o) => o.path))].sort();
          const failures = bad.map((o) => `${p}: ${o.path}: No such file or directory\n`).join("");
          const report = cli.config.cron && bad.length ? `${p}: true: exited with status 0\n` : "";
          want = { status: bad.length ? 73 : 0, stdout: "", stderr: failures + report, files: made };
          break;
        }
      }
      expect({ ...label, status: r.status, stdout: out, stderr: err, files: readdirSync(cwd).sort() }).toEqual({ ...label, ...want } as never);
    }
    figure("CLI fuzz outcomes", seen);
    expect(Object.keys(seen).length).toBeGreaterThanOrEqual(3);
    expect(seen["run"] ?? 0).toBeGreaterThan(3);
    expect(seen["usage-error"] ?? 0).toBeGreaterThan(3);
  }, 90_000);
});

// ---------------------------------------------------------------------------
// multitee. Its modules are loaded only when it exists, so the rest of this
// file does not depend on it.

const HAVE_MULTITEE = existsSync(join(ROOT, "bin", "multitee.ts"));


describe.skipIf(!HAVE_MULTITEE)(skipTitle("multitee: malformed specs and options", HAVE_MULTITEE ? undefined : "no bin/multitee.ts"), () => {
  // Messages name it "multitee" whatever path ran it; the hint shows how it was run.
  const M = () => "multitee";
  const hint = () => `Try '${prefix("multitee")} -h' for more information.\n`;

  const badSpecs = [
    "x", "", "0x1", "0-", "0-1,", "0-1,,2", "0--1", "0-1e", "0:1:", "0-1;2", " 0-1", "0-1 ", "0 -1",
    "0-a", "a-1", "1e", "0-1\n", "٣-1", "0-１", "0x10-1", "0+1", "0.1", "0-1,2:3e4x",
    "99999999999-1", "0-99999999999", "0-2147483648", "0e", ":1", ",1", "e1",
  ];
  test(`${badSpecs.length} malformed specs: 'bad spec' naming it, status 1, nothing written`, async () => {
    for (const spec of badSpecs) {
      const r = await runTool("multitee", ["0-1", spec], { input: "data\n", timeoutMs: 15_000 });
      const err = r.stderr.toString();
      const label = JSON.stringify(spec);
      expect({ label, status: r.status, stdout: r.stdout.toString(), crash: looksLikeCrash(err) }).toEqual({ label, status: 1, stdout: "", crash: false });
      expect(err.startsWith(`${M()}: bad spec '${spec}': `)).toBe(true);
      expect(err.endsWith(hint())).toBe(true);
      // One line (unless the spec itself holds a newline, which the message quotes).
      if (!spec.includes("\n")) expect(err.slice(`${M()}: bad spec '${spec}': `.length, -hint().length).split("\n").length).toBe(2);
    }
  }, 60_000);

  const badOptions: [string[], string][] = [
    [["-x", "0-1"], "unrecognised option '-x'"],
    [["-0", "0-1"], "unrecognised option '-0'"],
    [["-1"], "unrecognised option '-1'"],
    [["--bogus"], "unrecognised option '--bogus'"],
    [["-h=", "0-1"], "unrecognised option '-h='"],
    [["-b"], "the required argument for option '--buffer-size' is missing"],
    [["--buffer-size"], "the required argument for option '--buffer-size' is missing"],
    [["--buffer-size=", "0-1"], "the argument for option '--buffer-size' should follow immediately after the equal sign"],
    [["--version=1"], "option '--version' does not take any arguments"],
    [["-vv", "0-1"], "option '--verbose' cannot be specified more than once"],
    [["-q", "-q", "0-1"], "option '--quiet' cannot be specified more than once"],
    [["-q", "0x1"], ""],
    [["0x1", "-q"], ""],
  ];
  test(`${badOptions.length} malformed options: exact message, status 1`, async () => {
    for (const [args, message] of badOptions) {
      const r = await runTool("multitee", args, { input: "data\n", timeoutMs: 15_000 });
      const label = JSON.stringify(args);
      // -q means quiet: even usage errors are not printed.
      const want = message === "" ? "" : `${M()}: ${message}\n${hint()}`;
      expect({ label, status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }).toEqual({ label, status: 1, stdout: "", stderr: want });
    }
  }, 60_000);

  test("bad buffer sizes and descriptors that are not open: one clear line, status 1, nothing written", async () => {
    for (const args of [["-bx", "0-1"], ["-b0", "0-1"], ["-b-1", "0-1"], ["-b99999999999", "0-1"], ["-b1.5", "0-1"]]) {
      const r = await runTool("multitee", args, { input: "data\n", timeoutMs: 15_000 });
      expect([r.status, r.stdout.toString()]).toEqual([1, ""]);
      expect(r.stderr.toString()).toMatch(new RegExp(`^${M().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: invalid buffer size '[^\n]*'[^\n]*\n${hint().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
    }
    for (const [args, fd] of [[["0-1,9"], 9], [["7-1"], 7], [["0-1", "0:1,4000"], 4000]] as const) {
      const r = await runTool("multitee", [...args], { input: "data\n", timeoutMs: 15_000 });
      expect([r.status, r.stdout.toString()]).toEqual([1, ""]);
      expect(r.stderr.toString()).toMatch(new RegExp(`^[^\n]*: descriptor ${fd} is not open[^\n]*\n$`));
    }
  }, 60_000);
});

describe.skipIf(!HAVE_MULTITEE)(skipTitle("multitee: seeded fuzz of the spec and option parser", HAVE_MULTITEE ? undefined : "no bin/multitee.ts"), () => {
  test("100,000 generated specs in-process: never throws, always agrees with the grammar", async () => {
    const { parseSpec, MAX_FD } = await import("../../src/multitee/spec");
    const rng = new Rng(SEED ^ 0x51ec);
    const bad: unknown[] = [];
    let valid = 0;
    for (let n = 0; n < 100_000 && bad.length < 5; n++) {
      const text = wildSpec(rng);
      let got: ReturnType<typeof parseSpec>;
      try {
        got = parseSpec(text);
      } catch (e) {
        bad.push({ text, threw: String(e) });
        continue;
      }
      const want = specModel(text, MAX_FD);
      if (got.ok !== want.ok) bad.push({ text, got, want });
      else if (got.ok && want.ok) {
        valid++;
        if (!Bun.deepEquals({ ...got.spec }, want.spec)) bad.push({ text, got, want });
      } else if (!got.ok) {
        const head = `bad spec '${text}': `;
        const rest = got.message.slice(head.length);
        if (!got.message.startsWith(head) || rest.length === 0 || (!text.includes("\n") && rest.includes("\n"))) bad.push({ text, message: got.message });
      }
    }
    figure("multitee spec fuzz", { cases: 100_000, valid });
    expect(bad).toEqual([]);
    expect(valid).toBeGreaterThan(1000);
  }, 60_000);

  test("20,000 generated command lines in-process: parseMultitee never throws; errors are one line; specs as parsed alone", async () => {
    const { parseMultitee } = await import("../../src/cli/multitee");
    const { parseSpec } = await import("../../src/multitee/spec");
    const rng = new Rng(SEED ^ 0x3117);
    const bad: unknown[] = [];
    const kinds: Record<string, number> = {};
    const options = ["-v", "-q", "-Q", "-b", "-b1", "-b8192", "-bx", "-b0", "-h", "--version", "--help", "-x", "--buffer-size=64", "--", "-", "-vq", "-Qv"];
    for (let n = 0; n < 20_000 && bad.length < 5; n++) {
      const args = Array.from({ length: rng.int(6) }, () => (rng.chance(0.4) ? rng.pick(options) : wildSpec(rng)));
      let got: ReturnType<typeof parseMultitee>;
      try {
        got = parseMultitee("multitee", args);
      } catch (e) {
        bad.push({ args, threw: String(e) });
        continue;
      }
      kinds[got.kind] = (kinds[got.kind] ?? 0) + 1;
      if (got.kind === "usage-error") {
        if (got.message.length === 0 || got.hint !== "Try 'multitee -h' for more information.") bad.push({ args, got });
      }
      if (got.kind === "run") {
        for (const spec of got.config.specs) {
          const alone = parseSpec(spec.text);
          if (!alone.ok || !Bun.deepEquals(alone.spec, spec)) bad.push({ args, spec });
        }
        if (args.includes("-b") || args.includes("-bx") || args.includes("-b0") || args.includes("-x")) {
          // Only possible when those words were specs after "--" or a -b value.
          const dd = args.indexOf("--");
          for (const w of ["-bx", "-b0", "-x"]) {
            const i = args.indexOf(w);
            if (i >= 0 && (dd < 0 || i < dd) && args[i - 1] !== "-b") bad.push({ args, note: `${w} accepted` });
          }
        }
      }
    }
    figure("multitee command-line fuzz", { cases: 20_000, kinds });
    expect(bad).toEqual([]);
    for (const k of ["run", "usage-error", "help"]) expect(kinds[k] ?? 0).toBeGreaterThan(100);
  }, 60_000);

  test("30 generated command lines through the real multitee: no crash or hang, outcome as predicted", async () => {
    const { parseMultitee } = await import("../../src/cli/multitee");
    const { parseSpec } = await import("../../src/multitee/spec");
    const rng = new Rng(SEED ^ 0xc0ffee);
    const M = prefix("multitee");
    const input = "hello, multitee\n";
    const sorted = (s: string) => [...s].sort().join("");
    const seen: Record<string, number> = {};
    for (let n = 0; n < 30; n++) {
      const args: string[] = [];
      const count = rng.int(5);
      for (let k = 0; k < count; k++) {
        const roll = rng.int(10);
        if (roll < 3) args.push(rng.pick(["-v", "-q", "-Q", "-b1", "-b7", "-b65536", "-bx", "-x", "--version"]));
        else if (roll < 8) {
          // Valid routes from stdin to stdout or stderr, in every spelling.
          let s = "0";
          const routes = rng.int(3);
          for (let j = 0; j < routes; j++) s += rng.pick(["-", ",", ":"]) + rng.pick(["1", "2", "01"]);
          if (rng.chance(0.2)) s += "e0";
          args.push(s);
        } else {
          // Only malformed ones: a valid random spec may name descriptors
          // this run does not have (or read from stdout, and wait forever).
          let w = wildSpec(rng);
          while (parseSpec(w).ok) w = wildSpec(rng);
          args.push(w);
        }
      }
      const cli = parseMultitee(M, args);
      const r = await runTool("multitee", args, { input, timeoutMs: 15_000 });
      const out = r.stdout.toString();
      const err = r.stderr.toString();
      const label = { n, args };
      expect({ ...label, timedOut: r.timedOut, signal: r.signal, crash: looksLikeCrash(err) }).toEqual({ ...label, timedOut: false, signal: null, crash: false });
      seen[cli.kind] = (seen[cli.kind] ?? 0) + 1;
      if (cli.kind === "usage-error") {
        expect({ ...label, status: r.status, out, err }).toEqual({ ...label, status: 1, out: "", err: cli.quiet ? "" : `multitee: ${cli.message}\nTry '${M} -h' for more information.\n` });
      } else if (cli.kind === "help" || cli.kind === "version") {
        expect({ ...label, status: r.status, out, err }).toEqual({ ...label, status: 0, out: cli.text, err: "" });
      } else {
        const to = (fd: number) => cli.config.specs.reduce((k, s) => k + (s.input === 0 ? s.routes.filter((x) => x.fd === fd).length : 0), 0);
        // Copies may interleave in chunks of the buffer size: compare the bytes as multisets.
        // multitee's own lines (warnings) name it "multitee", whatever path ran it.
        const errData = err.replace(/multitee: [^\n]*\n/g, "");
        expect({ ...label, status: r.status, out: sorted(out), errData: sorted(errData) }).toEqual({
          ...label,
          status: 0,
          out: sorted(input.repeat(to(1))),
          errData: sorted(input.repeat(to(2))),
        });
      }
    }
    figure("multitee CLI fuzz outcomes", seen);
    expect(seen["run"] ?? 0).toBeGreaterThan(3);
    expect(seen["usage-error"] ?? 0).toBeGreaterThan(3);
  }, 90_000);
});
