import { stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect, test, type Locator, type Page } from "@playwright/test";

import { makeTestPng } from "./helpers/png";

const here = path.dirname(fileURLToPath(import.meta.url));
const SCREENSHOTS = path.resolve(here, "..", "test-results", "screenshots");

const RENDER_TIMEOUT = 180_000;
const NARRATION_TIMEOUT = 120_000;

const TITLE = `Lighthouse Keeper ${Date.now().toString(36)}`;
const STORY = `Text: The keeper climbed the stairs one last time.
Prompt: A lonely lighthouse at dusk, oil painting
---
Text: Below him, the sea had gone quiet.
Prompt: Calm dark sea under a violet sky
---
Text: Then the light came on.
Prompt: A bright beam sweeping over the water`;

const HUES: Array<[number, number, number]> = [
  [235, 150, 60],
  [60, 120, 230],
  [80, 200, 140],
];

interface VideoState {
  readyState: number;
  currentTime: number;
  duration: number;
  videoWidth: number;
  videoHeight: number;
  paused: boolean;
}

function videoState(video: Locator): Promise<VideoState> {
  return video.evaluate((element) => {
    const v = element as HTMLVideoElement;
    return {
      readyState: v.readyState,
      currentTime: v.currentTime,
      duration: v.duration,
      videoWidth: v.videoWidth,
      videoHeight: v.videoHeight,
      paused: v.paused,
    };
  });
}

/** Records every text the render progress shows, so the test can check that it advanced. */
async function recordProgressTexts(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __progressLog: string[] }).__progressLog = seen;
    const capture = () => {
      for (const id of ["render-progress-text", "render-phase"]) {
        const text = document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim();
        if (text && seen[seen.length - 1] !== text && !seen.includes(text)) seen.push(text);
      }
    };
    new MutationObserver(capture).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  return () => page.evaluate(() => (window as unknown as { __progressLog: string[] }).__progressLog);
}

async function playAndCheck(video: Locator, width: number) {
  await video.evaluate(async (element) => {
    const v = element as HTMLVideoElement;
    v.muted = true;
    await v.play();
  });
  await expect
    .poll(async () => (await videoState(video)).readyState, { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2);
  const start = (await videoState(video)).currentTime;
  await expect
    .poll(async () => (await videoState(video)).currentTime, { timeout: 20_000 })
    .toBeGreaterThan(start + 0.3);
  expect((await videoState(video)).videoWidth).toBe(width);
}

test.describe.configure({ mode: "serial" });

/** Collects uncaught errors and console errors (e.g. hydration mismatches) to assert a clean run. */
function trackPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  return errors;
}

test("a pasted story becomes a narrated video that plays, downloads and re-renders", async ({ page }) => {
  const pageErrors = trackPageErrors(page);
  // ── Import the story ────────────────────────────────────────────────────────────────────────
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Projects", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Import story" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Import a story" });
  await dialog.getByLabel("Title").fill(TITLE);
  await dialog.getByLabel("Story text").fill(STORY);
  await dialog.getByRole("button", { name: "Import story" }).click();
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  const projectId = page.url().split("/").pop()!;

  const segments = page.getByTestId("segment-card");
  await expect(segments).toHaveCount(3);
  await expect(page.getByLabel("Project title")).toHaveValue(TITLE);
  await expect(segments.nth(1).getByLabel("Narration text")).toHaveValue(
    "Below him, the sea had gone quiet.",
  );
  await expect(page.getByRole("button", { name: "Export Video" })).toBeDisabled();

  // ── A small video, for speed ────────────────────────────────────────────────────────────────
  await page.getByLabel("Resolution").click();
  await page.getByRole("option", { name: /640 × 360/ }).click();
  await expect(page.getByLabel("Resolution")).toHaveText(/640 × 360/);
  await expect(page.getByText("640 × 360 · 30 fps")).toBeVisible();

  // ── One image per segment ──────────────────────────────────────────────────────────────────
  for (let i = 1; i <= 3; i += 1) {
    await page.getByTestId(`image-input-${i}`).setInputFiles({
      name: `scene-${i}.png`,
      mimeType: "image/png",
      buffer: makeTestPng(960, 540, HUES[i - 1]!),
    });
    await expect(page.getByRole("img", { name: `Image for segment ${i}` })).toBeVisible({ timeout: 30_000 });
  }

  // ── Narration for all segments ────────────────────────────────────────────────────────────
  await page.getByRole("button", { name: "Generate all narration" }).click();
  for (let i = 1; i <= 3; i += 1) {
    await expect(page.getByLabel(`Narration audio for segment ${i}`)).toBeAttached({
      timeout: NARRATION_TIMEOUT,
    });
    await expect(page.getByTestId(`narration-duration-${i}`)).not.toHaveText("0:00");
  }

  // ── Export ───────────────────────────────────────────────────────────────────────────────
  const exportButton = page.getByRole("button", { name: "Export Video" });
  await expect(exportButton).toBeEnabled({ timeout: NARRATION_TIMEOUT });
  const progressLog = await recordProgressTexts(page);
  await exportButton.click();
  await expect(page.getByRole("button", { name: "Rendering…" })).toBeDisabled();
  await expect(page.getByTestId("render-progress")).toBeVisible();
  await expect(page.getByLabel("Render status: Rendering")).toBeVisible();
  await expect(page.getByTestId("render-phase")).not.toHaveText("Waiting for the render to start…");
  await page.screenshot({ path: path.join(SCREENSHOTS, "editor-rendering.png"), fullPage: true });

  const video = page.getByTestId("video-preview");
  await expect(video).toBeVisible({ timeout: RENDER_TIMEOUT });
  await expect(page.getByRole("button", { name: "Download Video" })).toBeVisible();
  await expect(page.getByLabel("Render status: Completed")).toBeVisible();

  // The progress advanced: the backend's phases and "Segment X of Y (Z%)" lines were shown.
  const seen = await progressLog();
  test.info().annotations.push({ type: "render progress", description: seen.join(" | ") });
  const localTexts = new Set([
    "Checking segments…",
    "Preparing render…",
    "Queued",
    "Waiting for the render to start…",
  ]);
  const segmentLines = seen.filter((text) => /^Segment \d+ of 3 \(\d+%\)$/.test(text));
  const backendPhases = seen.filter((text) => !localTexts.has(text) && !segmentLines.includes(text));
  expect(segmentLines.length, `progress seen: ${seen.join(" | ")}`).toBeGreaterThanOrEqual(1);
  expect(backendPhases.length, `progress seen: ${seen.join(" | ")}`).toBeGreaterThanOrEqual(1);

  // ── The video plays, at the chosen size, and seeks ──────────────────────────────────────────
  await expect(page.getByText("Resolution").locator("xpath=following-sibling::dd")).toHaveText("640 × 360");
  await playAndCheck(video, 640);
  const { duration } = await videoState(video);
  expect(duration).toBeGreaterThan(1);
  await video.evaluate(async (element) => {
    const v = element as HTMLVideoElement;
    const seeked = new Promise((resolve) => v.addEventListener("seeked", resolve, { once: true }));
    v.currentTime = v.duration / 2;
    await seeked;
  });
  const afterSeek = await videoState(video);
  expect(Math.abs(afterSeek.currentTime - duration / 2)).toBeLessThan(1.5);
  await expect
    .poll(async () => (await videoState(video)).readyState, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(2);

  await page.screenshot({ path: path.join(SCREENSHOTS, "editor-completed.png"), fullPage: true });

  // ── A real download named after the project ─────────────────────────────────────────────────
  const downloadEvent = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download Video" }).click();
  const download = await downloadEvent;
  expect(download.suggestedFilename()).toBe(`${TITLE}.mp4`);
  const downloadedPath = await download.path();
  expect((await stat(downloadedPath)).size).toBeGreaterThan(10_000);
  await expect(page).toHaveURL(new RegExp(`/projects/${projectId}`));

  // ── Re-render: the player picks up the new file ──────────────────────────────────────────────
  const firstSrc = await video.getAttribute("src");
  expect(firstSrc).toMatch(/\/media\/projects\/.+\/final\.mp4\?v=/);
  await page.getByRole("button", { name: "More render options" }).click();
  await page.getByRole("menuitem", { name: "Re-Render" }).click();
  // (The backend may finish at once when nothing changed since the last render, so progress can be brief.)
  await expect(page.getByRole("button", { name: "Download Video" })).toBeVisible({ timeout: RENDER_TIMEOUT });
  await expect
    .poll(() => page.getByTestId("video-preview").getAttribute("src"), { timeout: 30_000 })
    .not.toBe(firstSrc);
  await playAndCheck(page.getByTestId("video-preview"), 640);

  // ── The dashboard shows the finished project ─────────────────────────────────────────────────
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Projects" }).click();
  const card = page.getByTestId("project-card").filter({ hasText: TITLE });
  await expect(card.getByLabel("Render status: Completed")).toBeVisible();
  await expect(card.getByText("3 segments")).toBeVisible();
  await expect(card.getByRole("link", { name: `Watch ${TITLE}` })).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard.png"), fullPage: true });

  // "Watch" opens the editor on the preview.
  await card.getByRole("link", { name: `Watch ${TITLE}` }).click();
  await expect(page.getByTestId("video-preview")).toBeInViewport({ timeout: 15_000 });

  // The editor on a phone-sized screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect(page.getByTestId("segment-card").first()).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, "editor-mobile.png"), fullPage: true });

  expect(pageErrors, pageErrors.join("\n")).toEqual([]);
});

test("import errors are shown next to the paste area", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Import story" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Import a story" });
  await dialog.getByRole("tab", { name: "JSON" }).click();
  await dialog.getByLabel("Story JSON").fill(
    JSON.stringify({
      title: "Broken story",
      segments: [{ text_content: "Fine." }, { text_content: "  " }],
    }),
  );
  await dialog.getByRole("button", { name: "Import story" }).click();
  const error = dialog.getByRole("alert");
  await expect(error).toContainText("Segment 2");
  await expect(dialog.getByLabel("Story JSON")).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/$/);
});

test("settings load the voices and save", async ({ page }) => {
  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  await expect(page.getByText(/Built-in speech engine/)).toBeVisible();
  const speed = page.getByLabel("Narration speed", { exact: true });
  await speed.fill("3");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Narration speed must be between 0.5 and 2.0.")).toBeVisible();
  await speed.fill("1.1");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Narration speed", { exact: true })).toHaveValue("1.1");
  await page.screenshot({ path: path.join(SCREENSHOTS, "settings.png"), fullPage: true });
});
