import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect, test } from "@playwright/test";

import { makeTestPng } from "./helpers/png";
import { makeWav } from "./helpers/wav";

/**
 * Issue 10 §3 in the browser: a render of a project with a long narration is cancelled from the Rendering state;
 * the backend stops it within 2 s and, as there was no earlier video, the page is back at Export (DRAFT).
 */

const SCREENSHOTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "test-results",
  "screenshots",
);
const BACKEND = process.env.STORYREEL_E2E_BACKEND_URL ?? "http://127.0.0.1:8765";
/**
 * Long enough at the small size (640 × 360, 30 fps: 3600 frames) to still be rendering when Cancel is clicked: the
 * whole render takes several seconds even on an idle machine, and the test cancels it within about half a second
 * of its start. Cancelling keeps the test fast whatever the length.
 */
const NARRATION_SECONDS = 120;

test("Cancel stops a running render and brings back the Export button", async ({ page, request }) => {
  // A ready project made through the API (the editor flow itself is covered by story-to-video.spec.ts).
  const imported = await request.post(`${BACKEND}/api/projects/import/`, {
    data: {
      format: "json",
      title: `Cancel me ${Date.now().toString(36)}`,
      segments: [{ text_content: "A long, quiet night at sea." }],
      resolution_width: 640,
      resolution_height: 360,
      framerate: 30,
    },
  });
  expect(imported.status()).toBe(201);
  const project = (await imported.json()) as { id: string; segments: Array<{ id: string }> };
  const upload = await request.patch(`${BACKEND}/api/segments/${project.segments[0]!.id}/`, {
    multipart: {
      image_file: { name: "night.png", mimeType: "image/png", buffer: makeTestPng(640, 360, [40, 60, 140]) },
      audio_file: {
        name: "silence.wav",
        mimeType: "audio/wav",
        buffer: makeWav(NARRATION_SECONDS, { toneHz: 0 }),
      },
    },
  });
  expect(upload.status()).toBe(200);

  await page.goto(`/projects/${project.id}`);
  await expect(page.getByText("640 × 360 · 30 fps")).toBeVisible();
  await page.getByRole("button", { name: "Export Video" }).click();

  const cancel = page.getByRole("button", { name: "Cancel", exact: true });
  await expect(cancel).toBeEnabled();
  // Wait until the worker runs it (its stage is past QUEUED), so that this cancels a running render. Asked of the
  // API directly, as the page only polls every 3 s.
  await expect
    .poll(
      async () => {
        const now = await request.get(`${BACKEND}/api/projects/${project.id}/status/`);
        const { status, stage } = (await now.json()) as { status: string; stage: string | null };
        return status === "PROCESSING" && stage !== null && stage !== "QUEUED";
      },
      { intervals: [100], timeout: 15_000 },
    )
    .toBe(true);
  const cancelResponse = page.waitForResponse(
    (r) => r.request().method() === "POST" && r.url().endsWith(`/api/projects/${project.id}/cancel/`),
  );
  await page.getByTestId("render-progress").screenshot({ path: path.join(SCREENSHOTS, "render-cancel.png") });
  const clickedAt = Date.now();
  await cancel.click();
  const response = await cancelResponse;
  expect(response.status()).toBe(202);
  const body = (await response.json()) as { cancel: string };
  expect(body.cancel).toBe("cancelling");

  // Back at Export within a few seconds (the backend stops within 2 s; the app polls every second meanwhile).
  await expect(page.getByRole("button", { name: "Export Video" })).toBeEnabled({ timeout: 8_000 });
  const seconds = (Date.now() - clickedAt) / 1000;
  test
    .info()
    .annotations.push({ type: "cancel", description: `Export back ${seconds.toFixed(1)} s after the click` });
  await expect(page.getByTestId("render-notice")).toHaveText("Render cancelled");
  await expect(page.getByTestId("render-progress")).toHaveCount(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, "render-cancelled.png"), fullPage: true });
  await expect(page.getByLabel("Render status: Draft")).toBeVisible();

  // The server agrees: DRAFT, the job's stage says it was cancelled, and no video was left behind.
  const status = (await (await request.get(`${BACKEND}/api/projects/${project.id}/status/`)).json()) as {
    status: string;
    stage: string;
    output_url: string | null;
  };
  expect(status).toMatchObject({ status: "DRAFT", stage: "CANCELLED", output_url: null });
});
