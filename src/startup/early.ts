// Imported first by every entry point: takes the snapshot of inherited
// descriptors before anything else in the process opens files.
import { snapshotInheritedFds } from "./inherited";
export const inheritedFds: number[] = snapshotInheritedFds();
