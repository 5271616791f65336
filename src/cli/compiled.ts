// Entry of the compiled binary: one executable for every tool, which picks
// its tool from the name it was invoked by (dist/cronty is a link to it).
import "./early";
import { main } from "./main";

main("dtee").catch((e: unknown) => {
  process.stderr.write(`${process.argv0}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(70);
});
