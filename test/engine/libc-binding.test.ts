// The FFI layer links every libc function through the global lookup scope so
// that LD_PRELOAD libraries reach our calls; with no preload, that must be
// exactly libc's own functions (the 64-bit file offset names where glibc has
// them), so nothing else changes.
import { describe, test, expect } from "bun:test";
import { dlopen, FFIType } from "bun:ffi";
import { boundAddresses, linkedName, libc } from "../../src/sys/libc";
import { P } from "../../src/sys/platform";
import { BUN, ROOT, skipTitle, runSync } from "../support/helpers";
import { join } from "node:path";

describe("libc bindings", () => {
  test("with no preload every bound address is libc's own symbol", () => {
    const names = Object.keys(boundAddresses);
    expect(names.length).toBeGreaterThan(40);
    const own = dlopen(P.libc, Object.fromEntries(names.map((n) => [linkedName(n), { args: [], returns: FFIType.void }])));
    try {
      for (const name of names) {
        const expected = (own.symbols as unknown as Record<string, { ptr: number }>)[linkedName(name)]!.ptr;
        expect({ name, address: boundAddresses[name] }).toEqual({ name, address: expected });
      }
    } finally {
      own.close();
    }
  });

  test.skipIf(P.name !== "linux")(skipTitle("the 64-bit file offset names are used where glibc has them", P.name === "linux" ? undefined : `glibc names only (platform ${P.name})`), () => {
    expect(linkedName("fcntl")).toBe("fcntl64");
    expect(linkedName("lseek")).toBe("lseek64");
    expect(linkedName("socket")).toBe("socket");
  });

  test("the bindings work", () => {
    expect(libc.getpid()).toBe(process.pid);
  });

  test("a Worker thread gets the same bindings", async () => {
    const script = `
      import { boundAddresses } from ${JSON.stringify(join(ROOT, "src/sys/libc.ts"))};
      const w = new Worker(URL.createObjectURL(new Blob([
        "import { boundAddresses } from " + ${JSON.stringify(JSON.stringify(join(ROOT, "src/sys/libc.ts")))} + ";" +
        "postMessage(JSON.stringify(boundAddresses));"
      ], { type: "application/typescript" })));
      w.onmessage = (e) => { console.log(e.data === JSON.stringify(boundAddresses) ? "same" : "different"); process.exit(0); };
    `;
    const r = runSync([BUN, "-e", script], { timeoutMs: 20_000 });
    expect(r.stderr.toString()).toBe("");
    expect(r.stdout.toString().trim()).toBe("same");
  });
});
