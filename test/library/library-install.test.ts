// The library as users get it: the packed tarball added to a project with
// `bun add`, imported as "dtee" (package.json "exports"), and type-checked
// from the declarations the package ships ("types"), under strict settings
// and without skipLibCheck.
//
// Needs the registry or Bun's install cache for the package's dependencies;
// DTEE_TEST_NPM=0 skips it, as it does the npm install tests. Runs with the
// script entry points only, not again with DTEE_TEST_TARGET=dist.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, COMPILED, ROOT } from "../support/helpers";

const NPM = Bun.which("npm");
const ENABLED = !COMPILED && process.env.DTEE_TEST_NPM !== "0";
const SKIP_REASON = COMPILED ? "runs with the script target only" : "DTEE_TEST_NPM=0";
const VERSION: string = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

const APP = `import { run, text, CommandNotFoundError, type OutputEvent, type Exit } from "dtee";
const proc = run(["sh", "-c", "echo out; echo err >&2; echo out again"]);
const events: OutputEvent[] = [];
for await (const e of proc) events.push(e);
const exit: Exit = await proc.exited;
console.log(events.map((e) => e.stream + ":" + new TextDecoder().decode(e.bytes).trim()).join(" "), exit.code);
try {
  run(["no-such-command-dtee"]);
} catch (e) {
  console.log(e instanceof CommandNotFoundError, (e as CommandNotFoundError).exitCode);
}
const t = await text(["sh", "-c", "echo x; exit 3"], { stdin: "ignore" });
console.log(JSON.stringify(t.stdout), t.exit.status);
`;

describe.skipIf(!ENABLED)(ENABLED ? "library from the packed tarball" : `library from the packed tarball (skipped: ${SKIP_REASON})`, () => {
  let work = "";
  let project = "";
  let tarball = "";

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "dtee-lib-install-"));
    project = join(work, "project");
    const pack = NPM
      ? spawnSync(NPM, ["pack", "--pack-destination", work, ROOT], { encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } })
      : spawnSync(BUN, ["pm", "pack", "--destination", work], { cwd: ROOT, encoding: "utf8" });
    if (pack.status !== 0) throw new Error(`pack failed:\n${pack.stdout}\n${pack.stderr}`);
    tarball = join(work, `dtee-${VERSION}.tgz`);
    spawnSync("mkdir", [project]);
    writeFileSync(join(project, "package.json"), '{"name":"project","private":true,"type":"module"}\n');
    // Without optional dependencies: the `bun` dependency's platform binary
    // (tens of MB) is for the package's bins on machines without Bun; a Bun
    // program that imports the library runs on its own Bun.
    const add = spawnSync(BUN, ["add", "--omit", "optional", tarball], { cwd: project, encoding: "utf8", timeout: 300_000 });
    if (add.status !== 0) throw new Error(`bun add failed:\n${add.stdout}\n${add.stderr}`);
    writeFileSync(join(project, "app.ts"), APP);
  }, 300_000);

  afterAll(() => {
    // bun add keeps the tarball's contents in its install cache, keyed by its hash.
    if (tarball && existsSync(tarball)) {
      const key = `@T@sha512-${createHash("sha512").update(readFileSync(tarball)).digest("hex").slice(0, 32)}@@@1`;
      const cache = process.env.BUN_INSTALL_CACHE_DIR ?? join(process.env.BUN_INSTALL ?? join(homedir(), ".bun"), "install", "cache");
      rmSync(join(cache, key), { recursive: true, force: true });
      try {
        for (const link of readdirSync(join(cache, "dtee"))) {
          if (readlinkSync(join(cache, "dtee", link)).endsWith(key)) rmSync(join(cache, "dtee", link), { force: true });
        }
      } catch {}
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('import { run } from "dtee" works in a project that added the tarball', () => {
    expect(existsSync(join(project, "node_modules/dtee/src/lib/dtee.d.ts"))).toBe(true);
    const r = spawnSync(BUN, ["app.ts"], { cwd: project, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('stdout:out stderr:err stdout:out again 0\ntrue 66\n"x\\n" 3\n');
    expect(r.status).toBe(0);
  });

  test("the shipped declarations type-check a user's code, and catch misuse", () => {
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: "Preserve",
        moduleResolution: "bundler",
        target: "ESNext",
        lib: ["ESNext"],
        types: [join(ROOT, "node_modules/bun-types")],
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
      },
      files: ["app.ts", "misuse.ts"],
    };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig));
    // Each line must be an error, or tsc reports the unused directive.
    writeFileSync(
      join(project, "misuse.ts"),
      `import { run, type OutputEvent } from "dtee";
declare const event: OutputEvent;
// @ts-expect-error a command is a list of words
run("ls");
// @ts-expect-error the streams are stdout and stderr
run(["ls"], { files: [{ path: "f", stream: "both" }] });
// @ts-expect-error a time is a bigint
export const n: number = event.time;
`,
    );
    // tsc under Node.js where there is one (much faster than under Bun here).
    const node = Bun.which("node");
    const r = spawnSync(node ?? BUN, [TSC, "-p", "."], { cwd: project, encoding: "utf8", timeout: 120_000 });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);
});
