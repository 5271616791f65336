// Entry of the compiled binary: one executable for every tool, which picks
// its tool from the name it was invoked by (dist/cronty is a link to it).
import "../startup/early";
import { main } from "./main";
import { SYSEXITS } from "../exit-status";

// main() reports its own failures; this is for one that escapes even that.
main("dtee").catch((e: unknown) => {
  process.stderr.write(`${process.argv0}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(SYSEXITS.SOFTWARE);
});
