// Writing help and version texts: synchronous, straight to fd 1.
import { writeText } from "../sys/write-all";

export function writeStdout(text: string, encoding: "utf8" | "latin1" = "utf8"): void {
  writeText(1, text, encoding);
}
