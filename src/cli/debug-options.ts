// The hidden --debug-options of dtee 1.1.3: print what the command line was
// parsed into instead of running anything. Upstream's own test suite drives
// the option parser through it (tests/options), so the format is theirs:
// one NAME=VALUE line per value, names in byte order, each option's values in
// the order given, a switch as NAME=1, and the command's words under the name
// "-" (the name boost's parser files them under). Options not given are not
// listed; a cronty without -q has no cron=1 line.
import type { ParsedOption } from "./getopt";

/** The listing, as byte strings (print it as latin1). */
export function debugOptionsText(options: readonly ParsedOption[], command: readonly string[]): string {
  const values = new Map<string, string[]>();
  if (command.length > 0) values.set("-", [...command]);
  for (const o of options) {
    let list = values.get(o.name);
    if (!list) values.set(o.name, (list = []));
    list.push(o.value ?? "1");
  }
  // Names are ASCII: code-unit order is byte order ("-" before the letters).
  const names = [...values.keys()].sort();
  let text = "";
  for (const name of names) for (const value of values.get(name)!) text += `${name}=${value}\n`;
  return text;
}
