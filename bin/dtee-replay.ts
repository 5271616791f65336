#!/bin/sh
true /*
dtee_self=${0%/*}; for dtee_self in "$dtee_self" "${dtee_self%/*}/dtee/bin" "${dtee_self%/*}/lib/node_modules/dtee/bin" "${dtee_self%/*}/install/global/node_modules/dtee/bin" ""; do [ "$0" -ef "$dtee_self/dtee-replay.ts" ] && break; done
dtee_self=${dtee_self:+$dtee_self/dtee-replay.ts}; dtee_self=${dtee_self:-$(readlink -f -- "$0")} && . "${dtee_self%/*}/run-with-bun.sh"
exit 127
*/
// dtee-replay, run by Bun. The lines above are a comment to Bun and a launcher to
// /bin/sh, for when no Bun is on PATH (npm or npx on Node.js): they find this
// file (without a process where the layout is npm's or Bun's: the -ef tests)
// and exec the Bun of the `bun` dependency on it (bin/run-with-bun.sh).
// npm's postinstall (scripts/postinstall.mjs) points the first line at that
// Bun instead, so the kernel starts Bun directly, with no shell in between.
import { main } from "../src/cli/main";
await main("dtee-replay");
