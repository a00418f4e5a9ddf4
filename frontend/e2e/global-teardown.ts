import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Removes the run's temporary database and media folder (only ever a folder we created under the temp dir). */
export default function globalTeardown(): void {
  const dir = process.env.STORYREEL_E2E_DIR;
  if (!dir || process.env.STORYREEL_E2E_KEEP === "1") return;
  const resolved = path.resolve(dir);
  if (!resolved.startsWith(path.join(os.tmpdir(), "storyreel-e2e-"))) return;
  rmSync(resolved, { recursive: true, force: true });
}
