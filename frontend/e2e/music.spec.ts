import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect, test, type APIRequestContext, type Locator } from "@playwright/test";

import { makeTestPng } from "./helpers/png";
import { importProject } from "./helpers/api";
import { makeToneWav } from "./helpers/wav";

const here = path.dirname(fileURLToPath(import.meta.url));
const BACKEND =
  process.env.STORYREEL_E2E_BACKEND_URL ??
  `http://127.0.0.1:${process.env.STORYREEL_E2E_BACKEND_PORT ?? 8765}`;
const CORPUS_MUSIC = path.resolve(
  here,
  "../../../shared/corpus/music_01_brahms_hungarian_dance5_ogg_44k_stereo_45.8s.ogg",
);
const RENDER_TIMEOUT = 180_000;

/** The corpus music when the shared corpus is there, otherwise a generated tone (the flow is the same). */
function musicFile(): { name: string; mimeType: string; buffer: Buffer } {
  if (existsSync(CORPUS_MUSIC)) {
    return { name: path.basename(CORPUS_MUSIC), mimeType: "audio/ogg", buffer: readFileSync(CORPUS_MUSIC) };
  }
  return { name: "music.wav", mimeType: "audio/wav", buffer: makeToneWav(4, 523.25, 0.4) };
}

/** A two-segment project at 320×180, 12 fps, with pictures and tone narrations, made through the API. */
async function makeProject(request: APIRequestContext): Promise<string> {
  const project = await importProject(
    request,
    BACKEND,
    `Music ${Date.now().toString(36)}`,
    ["The band began to play.", "And the crowd went quiet."],
    { resolution_width: 320, resolution_height: 180, framerate: 12 },
  );
  const hues: Array<[number, number, number]> = [
    [235, 150, 60],
    [60, 120, 230],
  ];
  for (const [i, segment] of project.segments.entries()) {
    const response = await request.patch(`${BACKEND}/api/segments/${segment.id}/`, {
      multipart: {
        image_file: { name: `s${i}.png`, mimeType: "image/png", buffer: makeTestPng(320, 180, hues[i]!) },
        audio_file: { name: `s${i}.wav`, mimeType: "audio/wav", buffer: makeToneWav(2.5, 220 + 110 * i) },
      },
    });
    expect(response.status()).toBe(200);
  }
  return project.id;
}

async function projectOptions(request: APIRequestContext, id: string) {
  const response = await request.get(`${BACKEND}/api/projects/${id}/`);
  return (await response.json()) as {
    music_file: string | null;
    music_volume: number;
    ducking: boolean;
    loudness_target: number;
    output_url: string | null;
  };
}

async function expectPlays(video: Locator) {
  await video.evaluate(async (element) => {
    const v = element as HTMLVideoElement;
    v.muted = true;
    await v.play();
  });
  await expect
    .poll(() => video.evaluate((element) => (element as HTMLVideoElement).currentTime), { timeout: 15_000 })
    .toBeGreaterThan(0.3);
  const state = await video.evaluate((element) => {
    const v = element as HTMLVideoElement;
    return { duration: v.duration, width: v.videoWidth };
  });
  expect(state.width).toBe(320);
  expect(Math.abs(state.duration - 5)).toBeLessThan(0.2); // the narration's length: music never changes it
}

test("upload music, set volume, ducking and loudness, export: the video plays", async ({ page, request }) => {
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const id = await makeProject(request);

  await page.goto(`/projects/${id}`);
  const panel = page.getByTestId("music-panel");
  await expect(panel.getByText("No music.")).toBeVisible();

  // Upload: the player appears with the stored file.
  await panel.getByLabel("Music file").setInputFiles(musicFile());
  const player = panel.getByTestId("music-player");
  await expect(player).toBeVisible({ timeout: 30_000 });
  await expect(player).toHaveAttribute("src", new RegExp(`/media/projects/${id}/music/`));
  await expect(panel.getByRole("button", { name: "Replace music" })).toBeVisible();

  // Volume: 6 steps up from −18 dB, saved when the key is released.
  await expect(panel.getByTestId("music-volume-value")).toHaveText("−18 dB");
  const slider = panel.getByLabel("Music volume");
  await slider.focus();
  for (let i = 0; i < 6; i += 1) await slider.press("ArrowRight");
  await expect(panel.getByTestId("music-volume-value")).toHaveText("−12 dB");
  await expect.poll(async () => (await projectOptions(request, id)).music_volume).toBe(-12);

  // Ducking off, loudness −16 LUFS.
  const ducking = panel.getByRole("switch", { name: "Lower music under the voice" });
  await expect(ducking).toBeChecked();
  await ducking.click();
  await expect(ducking).not.toBeChecked();
  await expect.poll(async () => (await projectOptions(request, id)).ducking).toBe(false);
  await panel.getByLabel("Loudness target").click();
  await page.getByRole("option", { name: /−16 LUFS/ }).click();
  await expect(panel.getByLabel("Loudness target")).toHaveText(/−16 LUFS/);
  await expect.poll(async () => (await projectOptions(request, id)).loudness_target).toBe(-16);

  // Export: the video plays, as long as the narration.
  await page.getByRole("button", { name: "Export Video" }).click();
  const video = page.getByTestId("video-preview");
  await expect(video).toBeVisible({ timeout: RENDER_TIMEOUT });
  await expectPlays(video);

  // Ducking back on and a re-render: only the audio is mixed again; the video still plays.
  await ducking.click();
  await expect.poll(async () => (await projectOptions(request, id)).ducking).toBe(true);
  const firstSrc = await video.getAttribute("src");
  await page.getByRole("button", { name: "More render options" }).click();
  await page.getByRole("menuitem", { name: "Re-Render" }).click();
  await expect
    .poll(() => page.getByTestId("video-preview").getAttribute("src"), { timeout: RENDER_TIMEOUT })
    .not.toBe(firstSrc);
  await expectPlays(page.getByTestId("video-preview"));

  // Remove the music: back to narration only.
  await panel.getByRole("button", { name: "Remove music" }).click();
  await expect(panel.getByText("No music.")).toBeVisible();
  expect((await projectOptions(request, id)).music_file).toBeNull();
  expect(pageErrors, pageErrors.join("\n")).toEqual([]);
});
