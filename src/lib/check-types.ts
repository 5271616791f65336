// Compile-time only (tsc, in CI's typecheck): the implementation offers
// everything the published declarations (dtee.d.ts) promise, with the
// declared types. Nothing imports this file at run time.
import type * as Declared from "./dtee";
import * as Implementation from "./index";

const implementation: typeof Declared = Implementation;
void implementation;
