import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect, test, type APIRequestContext } from "@playwright/test";

import { makeTestPng } from "./helpers/png";
import { importProject } from "./helpers/api";

const RENDER_TIMEOUT = 180_000;
const SCREENSHOTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "test-results",
  "screenshots",
);
const BACKEND = process.env.STORYREEL_E2E_BACKEND_URL ?? "http://127.0.0.1:8765";

/** A small two-segment project with pictures and built-in narration, made through the API (the editor flow itself
 * is covered by story-to-video.spec.ts). */
async function makeProject(request: APIRequestContext): Promise<string> {
  const project = await importProject(request, BACKEND, `Captions ${Date.now().toString(36)}`, [
    "The keeper climbed the stairs.",
    "Then the light came on.",
  ]);
  const patched = await request.patch(`${BACKEND}/api/projects/${project.id}/`, {
    data: { resolution_width: 320, resolution_height: 180, framerate: 12 },
  });
  expect(patched.status()).toBe(200);
  for (const [i, segment] of project.segments.entries()) {
    const upload = await request.patch(`${BACKEND}/api/segments/${segment.id}/`, {
      multipart: {
        image_file: {
          name: `s${i}.png`,
          mimeType: "image/png",
          buffer: makeTestPng(480, 270, [60 + 80 * i, 90, 160]),
        },
      },
    });
    expect(upload.status()).toBe(200);
  }
  expect(
    (await request.post(`${BACKEND}/api/projects/${project.id}/generate-all-audio/`, { data: {} })).ok(),
  ).toBe(true);
  await expect
    .poll(
      async () => {
        const detail = await (await request.get(`${BACKEND}/api/projects/${project.id}/`)).json();
        return (detail.segments as { audio_file: string | null }[]).every((s) => s.audio_file);
      },
      { timeout: 120_000 },
    )
    .toBe(true);
  return project.id;
}

test("captions set in the editor are burned in, listed as a text track and downloadable", async ({
  page,
  request,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  const projectId = await makeProject(request);
  await page.goto(`/projects/${projectId}`);
  const panel = page.getByTestId("captions-panel");
  await expect(panel).toBeVisible();

  // ── Word captions, boxed ───────────────────────────────────────────────────────────────────────
  await panel.getByLabel("Caption mode").click();
  await page.getByRole("option", { name: "Word by word" }).click();
  await expect(panel.getByLabel("Caption mode")).toHaveText("Word by word");
  await panel.getByLabel("Caption background").click();
  await page.getByRole("option", { name: "Box" }).click();
  await expect(panel.getByLabel("Caption background")).toHaveText("Box");
  await expect(panel.getByTestId("caption-preview")).toContainText("The keeper climbed the stairs.");
  const saved = await (await request.get(`${BACKEND}/api/projects/${projectId}/`)).json();
  expect(saved.caption_mode).toBe("word");
  expect(saved.caption_style.background).toBe("box");

  // ── Export: the player lists the captions track and its cues load ─────────────────────────────────
  await page.getByRole("button", { name: "Export Video" }).click();
  const video = page.getByTestId("video-preview");
  await expect(video).toBeVisible({ timeout: RENDER_TIMEOUT });
  await expect(video.locator("track")).toHaveAttribute("kind", "captions");
  await video.evaluate(async (element) => {
    const v = element as HTMLVideoElement;
    v.muted = true;
    await v.play();
  });
  await expect
    .poll(() => video.evaluate((element) => (element as HTMLVideoElement).currentTime), { timeout: 20_000 })
    .toBeGreaterThan(0.2);
  const tracks = await video.evaluate((element) => {
    const list = (element as HTMLVideoElement).textTracks;
    return Array.from({ length: list.length }, (_, i) => {
      const track = list[i]!;
      track.mode = "showing";
      return { kind: track.kind, label: track.label };
    });
  });
  expect(tracks).toEqual([{ kind: "captions", label: "Captions" }]);
  await expect
    .poll(
      () =>
        video.evaluate((element) => {
          const cues = (element as HTMLVideoElement).textTracks[0]?.cues;
          return cues ? Array.from(cues, (c) => (c as VTTCue).text).join(" | ") : "";
        }),
      { timeout: 20_000 },
    )
    .toContain("The keeper climbed the stairs.");

  await video.evaluate((element) => (element as HTMLVideoElement).pause());
  await page.screenshot({ path: path.join(SCREENSHOTS, "editor-captions.png"), fullPage: true });

  // ── The captions download as SRT ─────────────────────────────────────────────────────────────────
  await page.getByRole("button", { name: "Captions", exact: true }).click();
  const downloadEvent = page.waitForEvent("download");
  await page.getByRole("menuitem", { name: "Captions (SRT)" }).click();
  const download = await downloadEvent;
  expect(download.suggestedFilename()).toMatch(/\.srt$/);
  const srt = await (await request.get(`${BACKEND}/api/projects/${projectId}/captions.srt`)).text();
  expect(srt).toMatch(/^1\n00:00:00,000 --> /);
  expect(srt).toContain("Then the light came on.");
  expect(errors, errors.join("\n")).toEqual([]);
});
