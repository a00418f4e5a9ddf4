import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig } from "@playwright/test";

const frontendDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(frontendDir, "..");

const BACKEND_PORT = Number(process.env.STORYREEL_E2E_BACKEND_PORT ?? 8765);
const FRONTEND_PORT = Number(process.env.STORYREEL_E2E_FRONTEND_PORT ?? 3100);
const BACKEND_URL = `http://127.0.0.1:${BACKEND_PORT}`;
const FRONTEND_URL = `http://127.0.0.1:${FRONTEND_PORT}`;
// Specs that talk to the backend directly (e.g. the cross-site test) read its address from here.
process.env.STORYREEL_E2E_BACKEND_URL = BACKEND_URL;

// One throw-away database and media folder per run (workers inherit the variable, so they agree on it).
process.env.STORYREEL_E2E_DIR ??= mkdtempSync(path.join(os.tmpdir(), "storyreel-e2e-"));
const dataDir = process.env.STORYREEL_E2E_DIR;
const python = path.join(repoRoot, ".venv", "bin", "python");

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results/artifacts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  // Renders take 10–40 s each here and the main flow renders twice.
  timeout: 6 * 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["html", { outputFolder: "playwright-report", open: "never" }]],
  globalTeardown: "./e2e/global-teardown.ts",
  use: {
    baseURL: FRONTEND_URL,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    acceptDownloads: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    video: "off",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--autoplay-policy=no-user-gesture-required",
      ],
    },
  },
  webServer: [
    {
      // The real backend, served as `npm start` serves it, on a temporary database and media folder.
      command: `"${python}" backend/manage.py migrate --noinput && exec "${python}" backend/manage.py serve --port ${BACKEND_PORT}`,
      cwd: repoRoot,
      url: `${BACKEND_URL}/api/health/`,
      env: {
        STORYREEL_DB_PATH: path.join(dataDir, "db.sqlite3"),
        STORYREEL_MEDIA_ROOT: path.join(dataDir, "media"),
        STORYREEL_FRONTEND_ORIGIN: FRONTEND_URL,
        PYTHONUNBUFFERED: "1",
      },
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      // The production build (`npm run e2e` builds first), pointed at that backend at run time.
      command: `npx next start -H 127.0.0.1 -p ${FRONTEND_PORT}`,
      cwd: frontendDir,
      url: FRONTEND_URL,
      env: { STORYREEL_API_URL: BACKEND_URL, NEXT_TELEMETRY_DISABLED: "1" },
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
