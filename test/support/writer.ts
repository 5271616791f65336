// Test producer: performs exactly the writes listed in a plan file, one
// write(2) per entry, to fd 1 or fd 2. Plan: JSON [[fd, base64], ...].
import { readFileSync, writeSync } from "node:fs";

const plan = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as [number, string][];
for (const [fd, data] of plan) {
  const bytes = Buffer.from(data, "base64");
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}
