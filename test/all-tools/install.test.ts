// Installs and runs anywhere, tested the way users install:
//
// - the standalone binary, copied with its name links to a directory with no
//   source tree (built in a temporary copy of the tree that is deleted before
//   anything runs; with DTEE_TEST_TARGET=dist, dist/ is copied instead), runs
//   every tool and mode. Where unprivileged namespaces are allowed, each run
//   also has the checkout hidden under an empty tmpfs, so a binary that
//   reached back into the source tree would fail here even with dist/.
// - the npm package (npm pack of this tree) installed with npm and run with
//   npx on a PATH that has Node.js and npm but no Bun: with install scripts
//   (the bins start Bun directly) and without (the bins' /bin/sh part finds
//   Bun); and with bunx.
//
// The npm tests need the registry or an npm cache holding the `bun` package
// (CI's `npm ci` fills it); DTEE_TEST_NPM=0 skips them. They run with the
// script entry points only, not again with DTEE_TEST_TARGET=dist.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { BUN, COMPILED, ROOT, runSync, start, type RunResult } from "../support/helpers";

const TOOLS = ["dtee", "cronty", "multitee", "dtee-bench", "dtee-replay"] as const;
const VERSION: string = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;

interface Result {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  out: Buffer;
}

/** A run's result with its output as latin1 text (and stdout's bytes). */
function result(r: RunResult): Result {
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout.toString("latin1"),
    stderr: r.stderr.toString("latin1"),
    out: r.stdout,
  };
}

/** A shell script run with an exact environment (env -i) so raw bytes can be built with printf. */
function shExact(script: string, env: Record<string, string>, opts: { cwd?: string; input?: string; timeout?: number } = {}): Result {
  return result(runSync(["/bin/sh", "-c", script], { env, envExact: true, cwd: opts.cwd, input: opts.input, timeoutMs: opts.timeout }));
}

function mkTemp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

// ---------------------------------------------------------------------------
// The standalone binary

/** Whether a private mount namespace with a tmpfs over the checkout can be made here. */
function canHideCheckout(): boolean {
  try {
    const argv = ["unshare", "-rm", "sh", "-c", 'mount -t tmpfs none "$0" && ! test -e "$0/package.json"', ROOT];
    return runSync(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore", timeoutMs: 10_000 }).status === 0;
  } catch {
    return false; // no unshare, or it hung: the checkout stays visible
  }
}

describe("standalone binary, copied where no source tree exists", () => {
  let install = "";
  let hide = false;
  const cleanups: string[] = [];

  beforeAll(() => {
    install = mkTemp("dtee-standalone-");
    cleanups.push(install);
    if (COMPILED) {
      const dist = join(ROOT, "dist", "dtee");
      if (!existsSync(dist)) throw new Error(`${dist} is missing: run 'bun run build' first`);
      cpSync(dist, join(install, "dtee"));
    } else {
      // A copy of this tree, as a fresh clone would be, built and then deleted.
      const clone = mkTemp("dtee-clone-");
      cleanups.push(clone);
      for (const entry of ["src", "scripts", "package.json", "tsconfig.json", "bunfig.toml"]) {
        cpSync(join(ROOT, entry), join(clone, entry), { recursive: true });
      }
      symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"));
      const build = runSync([BUN, "run", "scripts/build.ts"], { cwd: clone, timeoutMs: 300_000 });
      if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
      cpSync(join(clone, "dist", "dtee"), join(install, "dtee"));
      rmSync(clone, { recursive: true, force: true });
    }
    for (const tool of TOOLS) if (tool !== "dtee") symlinkSync("dtee", join(install, tool));
    hide = canHideCheckout();
  }, 300_000);

  afterAll(() => {
    for (const dir of cleanups) rmSync(dir, { recursive: true, force: true });
  });

  /** argv run in the install directory, with the checkout hidden where possible. */
  function wrap(argv: string[]): string[] {
    return hide ? ["unshare", "-rm", "sh", "-c", 'mount -t tmpfs none "$0" && exec "$@"', ROOT, ...argv] : argv;
  }

  function runTool(argv: string[], opts: { input?: string; timeout?: number } = {}): Result {
    return result(runSync(wrap(argv), { cwd: install, input: opts.input, env: { TMPDIR: install }, timeoutMs: opts.timeout }));
  }

  test("the copy is a single file with links, and nothing of the build tree is left", () => {
    expect(readdirSync(install).sort()).toEqual([...TOOLS].sort());
  });

  test("dtee: -o copies stdout, both streams pass through; -V", () => {
    const r = runTool(["./dtee", "-o", "out.txt", "sh", "-c", "echo out; echo err >&2"]);
    expect(r).toMatchObject({ status: 0, stdout: "out\n", stderr: "err\n" });
    expect(readFileSync(join(install, "out.txt"), "utf8")).toBe("out\n");
    expect(runTool(["./dtee", "-V"]).stdout).toContain(VERSION);
  });

  test("cronty: quiet on success, reports stderr output and the status (Worker from the binary)", () => {
    expect(runTool(["./cronty", "sh", "-c", "echo quiet"])).toMatchObject({ status: 0, stdout: "", stderr: "" });
    const r = runTool(["./cronty", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(r).toMatchObject({ status: 3, stdout: "out\n", stderr: "err\n./cronty: sh: exited with status 3\n" });
  });

  test("cronty: a signal to cronty flushes, reports it and re-raises it", async () => {
    const outFile = join(install, "sig.out");
    const errFile = join(install, "sig.err");
    const pidFile = join(install, "sig.pid");
    const run = start(wrap(["./cronty", "sh", "-c", `echo $$ > ${pidFile}; echo out; echo err >&2; exec sleep 30`]), {
      cwd: install,
      stdin: "ignore",
      stdout: { path: outFile },
      stderr: { path: errFile },
      env: { TMPDIR: install },
    });
    const proc = run.proc;
    try {
      const start = Date.now();
      while (!(existsSync(errFile) && readFileSync(errFile, "utf8").includes("err\n"))) {
        if (Date.now() - start > 20_000) throw new Error("cronty did not pass stderr on");
        await Bun.sleep(10);
      }
      proc.kill("SIGTERM");
      const r = await run.done;
      expect([r.signal, r.timedOut]).toEqual(["SIGTERM", false]);
      expect(readFileSync(outFile, "utf8")).toBe("out\n");
      expect(readFileSync(errFile, "utf8")).toBe("err\n./cronty: received signal 15: Terminated\n");
    } finally {
      // The command (sleep) outlives cronty, as with native dtee.
      const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, "utf8"), 10) : 0;
      if (pid > 0) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
      proc.kill("SIGKILL");
    }
  });

  test("dtee --log, then dtee-replay of the log", () => {
    const r = runTool(["./dtee", "--log", "capture.log", "sh", "-c", "echo a; echo b >&2; echo c"]);
    expect(r).toMatchObject({ status: 0, stdout: "a\nc\n", stderr: "b\n" });
    expect(runTool(["./dtee-replay", "capture.log"])).toMatchObject({ status: 0, stdout: "a\nc\n", stderr: "b\n" });
  });

  test("multitee: one input to two outputs", () => {
    expect(runTool(["./multitee", "0-1,2"], { input: "hi\n" })).toMatchObject({ status: 0, stdout: "hi\n", stderr: "hi\n" });
  });

  test("dtee-bench --quick (narrowed to two profiles and sizes)", () => {
    const r = runTool(["./dtee-bench", "--quick", "-p", "linux,freebsd", "-s", "1,4k", "-n", "2000", "-r", "1", "--json"], {
      timeout: 120_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(JSON.stringify(report)).toContain("freebsd");
  }, 150_000);
});

// ---------------------------------------------------------------------------
// The npm package on a machine with Node.js and npm but no Bun

const NODE = Bun.which("node");
const NPM = Bun.which("npm");
const NPM_TESTS = !COMPILED && process.env.DTEE_TEST_NPM !== "0" && !!NODE && !!NPM;
const NPM_SKIP_REASON = COMPILED ? "runs with the script target only" : !NODE || !NPM ? "no node or npm" : "DTEE_TEST_NPM=0";

/** env(1) output as sorted lines (a shell may pass variables on in another order). */
function envLines(out: Buffer): string[] {
  return out.toString("latin1").split("\n").filter(Boolean).sort();
}

/** This environment without what npm or bunx set for the test run itself (npm_*), keeping npm's cache and registry settings. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (k.startsWith("npm_") && !/^npm_config_(cache|registry|userconfig|globalconfig)$/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

/** PATH without any directory that holds a `bun`: Node.js and npm only. */
function pathWithoutBun(): string {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => {
    if (!d) return false;
    for (const name of ["bun", "bunx"]) {
      try {
        accessSync(join(d, name), constants.X_OK);
        return false;
      } catch {}
    }
    return true;
  });
  return [...new Set([...dirs, "/usr/bin", "/bin"])].join(delimiter);
}

describe.skipIf(!NPM_TESTS)(NPM_TESTS ? "npm package without Bun" : `npm package without Bun (skipped: ${NPM_SKIP_REASON})`, () => {
  const NODE_PATH = pathWithoutBun();
  let work = "";
  let tarball = "";
  let job = "";
  const installs: Record<"scripts" | "noScripts", string> = { scripts: "", noScripts: "" };

  function npm(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Result {
    return result(
      runSync([NPM!, ...args], {
        cwd: opts.cwd ?? work,
        env: { ...baseEnv(), PATH: NODE_PATH, npm_config_update_notifier: "false", ...opts.env },
        envExact: true,
        timeoutMs: 300_000,
      }),
    );
  }

  function installGlobal(prefix: string, extra: string[]): void {
    const r = npm(["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", ...extra, tarball]);
    if (r.status !== 0) throw new Error(`npm install -g failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }

  beforeAll(() => {
    work = mkTemp("dtee-npm-");
    expect(runSync(["/bin/sh", "-c", "command -v bun"], { env: { PATH: NODE_PATH }, envExact: true }).status).not.toBe(0);
    const pack = npm(["pack", "--pack-destination", work, ROOT]);
    if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
    tarball = join(work, `dtee-${VERSION}.tgz`);
    job = join(work, "job");
    writeFileSync(job, "#!/bin/sh\necho job out\necho job err >&2\nexit 1\n", { mode: 0o755 });
    installs.scripts = join(work, "global");
    installs.noScripts = join(work, "global-no-scripts");
    // Install scripts allowed explicitly: newer npm blocks dependencies' scripts by default.
    installGlobal(installs.scripts, ["--allow-scripts=dtee,bun"]);
    installGlobal(installs.noScripts, ["--ignore-scripts"]);
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    // npx keeps what it installed under the npm cache, keyed by the tarball's path.
    const npxDir = join(process.env.npm_config_cache ?? join(homedir(), ".npm"), "_npx");
    try {
      for (const entry of readdirSync(npxDir)) {
        const manifest = join(npxDir, entry, "package.json");
        if (existsSync(manifest) && readFileSync(manifest, "utf8").includes(work)) rmSync(join(npxDir, entry), { recursive: true, force: true });
      }
    } catch {}
    // bunx keeps it under Bun's install cache (or the temp directory), keyed by the path.
    const bunxDir = `.bunx-${process.getuid?.() ?? 0}`;
    const caches = [process.env.BUN_INSTALL_CACHE_DIR, join(process.env.BUN_INSTALL ?? join(homedir(), ".bun"), "install", "cache"), tmpdir()];
    for (const cache of caches) if (cache && work) rmSync(join(cache, bunxDir, "@" + work), { recursive: true, force: true });
  });

  /** The exact-behaviour checks for bins found on PATH in `bin`. */
  function checkBins(bin: string): void {
    const env = { PATH: `${bin}${delimiter}${NODE_PATH}`, HOME: work, PWD: work };
    const r = (script: string, input?: string) => shExact(script, env, { cwd: work, input });

    expect(r("dtee echo hi")).toMatchObject({ status: 0, stdout: "hi\n", stderr: "" });
    // The invoked name prefixes cron mode's report.
    expect(r(`cronty ${job}`)).toMatchObject({ status: 1, stdout: "job out\n", stderr: `job err\ncronty: ${job}: exited with status 1\n` });
    expect(r("cronty sh -c 'exit 1'")).toMatchObject({ status: 1, stdout: "", stderr: "cronty: sh: exited with status 1\n" });
    expect(r("multitee 0-1,2", "fan\n")).toMatchObject({ status: 0, stdout: "fan\n", stderr: "fan\n" });
    // Statuses: the command's, 128+N for a signal, and dtee's own.
    expect(r("dtee sh -c 'exit 7'").status).toBe(7);
    expect(r("dtee sh -c 'kill -TERM $$'").status).toBe(143);
    expect(r("dtee ./does-not-exist").status).toBe(66);
    // stdin, an inherited descriptor, `--`, arguments that are not UTF-8.
    expect(r("dtee cat", "in\n").stdout).toBe("in\n");
    expect(r("dtee sh -c 'echo fd5 >&5' 5>fd5.txt && cat fd5.txt").stdout).toBe("fd5\n");
    expect(r("dtee -- echo dashes").stdout).toBe("dashes\n");
    expect(r(`dtee printf '%s' "$(printf 'a\\377b')"`).out).toEqual(Buffer.from([0x61, 0xff, 0x62]));
    // The launcher is not a parent process: a signal to the pid the caller
    // started reaches cronty, which reports it and dies of it.
    const sig = r("cronty sh -c 'echo e >&2; kill -TERM $PPID; sleep 5'; echo \"status=$?\"");
    expect(sig.stdout).toBe("status=143\n");
    // (then the calling shell's own "Terminated" note)
    expect(sig.stderr).toStartWith("e\ncronty: received signal 15: Terminated\n");
    // An environment that a shell keeps as it is (names that are identifiers,
    // a correct PWD) reaches the command with the same bytes.
    const envOut = r(`env -i PATH="$PATH" PWD="$PWD" "X=$(printf '\\377\\376')" dtee /usr/bin/env`);
    expect(envLines(envOut.out)).toEqual(envLines(Buffer.from(`PATH=${env.PATH}\nPWD=${work}\nX=\xff\xfe\n`, "latin1")));
  }

  test("npm install -g with install scripts: the bins start Bun directly, exact environment", () => {
    const pkg = realpathSync(join(installs.scripts, "lib", "node_modules", "dtee"));
    const first = readFileSync(join(pkg, "bin", "dtee.ts"), "latin1").split("\n", 1)[0];
    expect(first).toBe(`#!${join(pkg, "runtime", "bun")}`);
    const bin = join(installs.scripts, "bin");
    checkBins(bin);
    // No shell on the way: environment entries no shell would keep (a name
    // that is not an identifier, a name that is not UTF-8) and no PWD at all.
    const r = shExact(`env -i "$(printf 'N\\377=v')" 'not-an-identifier=1' ${join(bin, "dtee")} /usr/bin/env`, { PATH: NODE_PATH });
    expect(r.out).toEqual(Buffer.from("N\xff=v\nnot-an-identifier=1\n", "latin1"));
  }, 120_000);

  test("npm install -g --ignore-scripts: the bins' shell part finds Bun's platform binary", () => {
    const pkg = join(installs.noScripts, "lib", "node_modules", "dtee");
    expect(readFileSync(join(pkg, "bin", "dtee.ts"), "latin1").split("\n", 1)[0]).toBe("#!/bin/sh");
    checkBins(join(installs.noScripts, "bin"));
  }, 120_000);

  test("npm install --ignore-scripts in a project: node_modules/.bin, run by a relative path", () => {
    const project = join(work, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), '{"name":"project","private":true}\n');
    const r = npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: project });
    expect(r.status).toBe(0);
    const env = { PATH: NODE_PATH, PWD: project };
    expect(shExact("./node_modules/.bin/dtee echo hi", env, { cwd: project })).toMatchObject({ status: 0, stdout: "hi\n", stderr: "" });
    expect(shExact("node_modules/.bin/cronty sh -c 'exit 2'", env, { cwd: project })).toMatchObject({
      status: 2,
      stdout: "",
      stderr: "cronty: sh: exited with status 2\n",
    });
  }, 300_000);

  test("a Bun that cannot be found is reported, not run", () => {
    const pkg = join(work, "bare");
    mkdirSync(join(pkg, "bin"), { recursive: true });
    for (const f of ["dtee.ts", "run-with-bun.sh"]) cpSync(join(ROOT, "bin", f), join(pkg, "bin", f));
    const r = shExact(`${join(pkg, "bin", "dtee.ts")} true`, { PATH: NODE_PATH });
    expect(r.status).toBe(127);
    expect(r.stderr).toStartWith("dtee.ts: cannot find Bun");
  });

  test("npx --package TARBALL", () => {
    const npx = (args: string, input?: string) =>
      shExact(`npx --yes --prefer-offline --package ${tarball} ${args}`, { ...baseEnv(), PATH: NODE_PATH }, { cwd: work, input, timeout: 300_000 });
    expect(npx("dtee echo hi")).toMatchObject({ status: 0, stdout: "hi\n" });
    const cron = npx(`cronty ${job}`);
    expect(cron.status).toBe(1);
    expect(cron.stdout).toBe("job out\n");
    expect(cron.stderr).toEndWith(`job err\ncronty: ${job}: exited with status 1\n`);
    expect(npx("multitee 0-1", "via npx\n")).toMatchObject({ status: 0, stdout: "via npx\n" });
  }, 300_000);

  test("bunx --package TARBALL (Bun users)", () => {
    const bunx = (args: string[], input?: string) =>
      result(runSync([BUN, "x", "--package", tarball, ...args], { cwd: work, input, env: baseEnv(), envExact: true, timeoutMs: 300_000 }));
    expect(bunx(["dtee", "echo", "hi"])).toMatchObject({ status: 0, stdout: "hi\n" });
    const cron = bunx(["cronty", job]);
    expect(cron.status).toBe(1);
    expect(cron.stdout).toBe("job out\n");
    expect(cron.stderr).toEndWith(`job err\ncronty: ${job}: exited with status 1\n`);
    expect(bunx(["multitee", "0-1"], "via bunx\n")).toMatchObject({ status: 0, stdout: "via bunx\n" });
  }, 300_000);
});
