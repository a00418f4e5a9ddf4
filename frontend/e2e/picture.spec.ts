import { readFileSync } from "node:fs";

import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

import { encodePng, makeTestPng } from "./helpers/png";
import { importProject } from "./helpers/api";
import { audioSummary, meanColour, mp4VideoSize } from "./helpers/video";
import { makeToneWav } from "./helpers/wav";

const BACKEND =
  process.env.STORYREEL_E2E_BACKEND_URL ??
  `http://127.0.0.1:${process.env.STORYREEL_E2E_BACKEND_PORT ?? 8765}`;
const RENDER_TIMEOUT = 180_000;
const FPS = 24;
const TRANSITION_SECONDS = 0.5; // the project default, kept
/** Where the focus point is clicked on segment 1's picture (fractions of its width and height): a white disc. */
const FOCUS: [number, number] = [0.8, 0.5];
const RED: [number, number, number] = [230, 40, 40];
const GREEN: [number, number, number] = [40, 200, 40];
const BLUE: [number, number, number] = [40, 60, 230];

type Rgb = [number, number, number];

interface ProjectJson {
  resolution_width: number;
  resolution_height: number;
  framerate: number;
  transition: { kind: string; duration: number };
  segments: Array<{
    id: string;
    audio_duration: number | null;
    images: string[];
    camera: { motion: string; focus: [number, number] | null; strength: number | null };
  }>;
}

/** A dark 16:9 picture with a white disc at {@link FOCUS}: in a 9:16 frame centred on the focus, the disc is in the
 * middle; centred on the picture's middle, it is out of the frame. */
function focusTargetPng(): Buffer {
  const [w, h] = [640, 360];
  const [fx, fy] = [FOCUS[0] * w, FOCUS[1] * h];
  return encodePng(w, h, (x, y) =>
    (x - fx) ** 2 + (y - fy) ** 2 < 36 ** 2 ? [250, 250, 250] : [40, 40, 70],
  );
}

async function getProject(request: APIRequestContext, id: string): Promise<ProjectJson> {
  const response = await request.get(`${BACKEND}/api/projects/${id}/`);
  expect(response.status()).toBe(200);
  return (await response.json()) as ProjectJson;
}

/**
 * Two segments with a picture and a tone narration each (2.4 s and 3.9 s), made through the API at the default
 * 1920×1080 30 fps. The shortest shot allowed is lowered to 1.2 s so that three pictures fit in 3.9 s of narration
 * (the default 2.5 s would need 7.5 s and a render twice as long); the features under test are set in the editor.
 */
async function makeProject(request: APIRequestContext): Promise<string> {
  const project = await importProject(request, BACKEND, `Pictures ${Date.now().toString(36)}`, [
    "The lighthouse stood alone.",
    "Red, then green, then blue.",
  ]);
  expect(
    (await request.patch(`${BACKEND}/api/projects/${project.id}/`, { data: { min_shot: 1.2 } })).status(),
  ).toBe(200);
  const files = [
    { image: focusTargetPng(), seconds: 2.4 },
    { image: makeTestPng(480, 270, RED), seconds: 3.9 },
  ];
  for (const [i, segment] of project.segments.entries()) {
    const response = await request.patch(`${BACKEND}/api/segments/${segment.id}/`, {
      multipart: {
        image_file: { name: `s${i}.png`, mimeType: "image/png", buffer: files[i]!.image },
        audio_file: {
          name: `s${i}.wav`,
          mimeType: "audio/wav",
          buffer: makeToneWav(files[i]!.seconds, 220 + 110 * i),
        },
      },
    });
    expect(response.status()).toBe(200);
  }
  return project.id;
}

/** Picks `option` in the editor's select labelled `label`. */
async function choose(page: Page, label: string, option: string | RegExp) {
  await page.getByLabel(label, { exact: true }).click();
  await page.getByRole("option", { name: option }).click();
  await expect(page.getByLabel(label, { exact: true })).toHaveText(option);
}

/** The strongest channel of a colour (0 = red, 1 = green, 2 = blue). */
function dominant(colour: Rgb): number {
  return colour.indexOf(Math.max(...colour));
}

/** `mid` is a mix of `a` and `b`, not either one: on every channel where they differ clearly, it lies inside the
 * middle 60 % between them. */
function expectBlend(mid: Rgb, a: Rgb, b: Rgb, what: string) {
  let channels = 0;
  for (let c = 0; c < 3; c += 1) {
    const [lo, hi] = [Math.min(a[c]!, b[c]!), Math.max(a[c]!, b[c]!)];
    if (hi - lo < 40) continue;
    channels += 1;
    const margin = 0.2 * (hi - lo);
    expect(mid[c], `${what}: channel ${c} of ${mid} between ${a} and ${b}`).toBeGreaterThan(lo + margin);
    expect(mid[c], `${what}: channel ${c} of ${mid} between ${a} and ${b}`).toBeLessThan(hi - margin);
  }
  expect(channels, `${what}: the pictures on each side differ`).toBeGreaterThan(0);
}

test("9:16, crossfades, a focus point and three pictures set in the editor reach the exported video", async ({
  page,
  request,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  const id = await makeProject(request);
  await page.goto(`/projects/${id}`);

  // ── Format: vertical 9:16 at the cheapest frame rate ──────────────────────────────────────────
  await choose(page, "Resolution", "1080 × 1920 · Vertical 9:16");
  await expect
    .poll(async () => {
      const p = await getProject(request, id);
      return [p.resolution_width, p.resolution_height];
    })
    .toEqual([1080, 1920]);
  await choose(page, "Frame rate", `${FPS} fps`);
  await expect.poll(async () => (await getProject(request, id)).framerate).toBe(FPS);

  // ── Transition: crossfade ──────────────────────────────────────────────────────────────────────
  await page.getByTestId("transition-kind").click();
  await page.getByRole("option", { name: "Crossfade" }).click();
  await expect(page.getByTestId("transition-kind")).toHaveText("Crossfade");
  await expect
    .poll(async () => (await getProject(request, id)).transition)
    .toEqual({ kind: "crossfade", duration: TRANSITION_SECONDS });

  // ── Focus point: click segment 1's picture on the white disc ──────────────────────────────────
  const [first, second] = await page.getByTestId("segment-card").all();
  const picture = first!.getByRole("button", { name: /Set the focus point of segment 1/ });
  await expect
    .poll(() => picture.locator("img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBe(640);
  const box = await picture.boundingBox();
  expect(box).not.toBeNull();
  await picture.click({ position: { x: box!.width * FOCUS[0], y: box!.height * FOCUS[1] } });
  await expect(first!.getByTestId("focus-marker")).toBeVisible();
  await expect(first!.getByText("Focus point set")).toBeVisible();
  const focus = (await getProject(request, id)).segments[0]!.camera.focus;
  expect(focus).not.toBeNull();
  expect(Math.abs(focus![0] - FOCUS[0])).toBeLessThan(0.02);
  expect(Math.abs(focus![1] - FOCUS[1])).toBeLessThan(0.02);

  // ── Three pictures on segment 2: add a green one, then a blue one ─────────────────────────────
  const pictures = second!.getByTestId("segment-images-2");
  const input = pictures.getByTestId("extra-image-input-2");
  await input.setInputFiles({
    name: "green.png",
    mimeType: "image/png",
    buffer: makeTestPng(480, 270, GREEN),
  });
  await expect(pictures.getByText("2 pictures share this narration, in this order.")).toBeVisible();
  await expect(input).toBeEnabled();
  await input.setInputFiles({ name: "blue.png", mimeType: "image/png", buffer: makeTestPng(480, 270, BLUE) });
  await expect(pictures.getByText("3 pictures share this narration, in this order.")).toBeVisible();
  await expect(pictures.getByRole("img")).toHaveCount(3);
  // The three thumbnails share one row of the picture column.
  const tops = await pictures
    .getByRole("img")
    .evaluateAll((imgs) => imgs.map((i) => i.getBoundingClientRect().top));
  expect(new Set(tops).size, `thumbnail tops ${tops}`).toBe(1);
  await expect(pictures.getByRole("button", { name: "Add a picture" })).toHaveCount(0);
  await expect(pictures.getByTestId("images-not-shown-2")).toHaveCount(0); // 3.9 s has room for 3 × 1.2 s

  // ── Export: the video plays in the page, in portrait ──────────────────────────────────────────
  await page.getByRole("button", { name: "Export Video" }).click();
  const video = page.getByTestId("video-preview");
  await expect(video).toBeVisible({ timeout: RENDER_TIMEOUT });
  await video.evaluate(async (element: HTMLVideoElement) => {
    element.muted = true;
    await element.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(2);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(0.3);
  expect(await video.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight])).toEqual([1080, 1920]);

  // ── The saved options carry what was set ──────────────────────────────────────────────────────
  const saved = await getProject(request, id);
  expect(saved.transition).toEqual({ kind: "crossfade", duration: TRANSITION_SECONDS });
  expect(saved.segments[0]!.camera.focus).toEqual(focus);
  expect(saved.segments[1]!.images).toHaveLength(3);
  const [d1, d2] = saved.segments.map((s) => s.audio_duration ?? 0) as [number, number];
  expect(d1).toBeCloseTo(2.4, 1);
  expect(d2).toBeCloseTo(3.9, 1);

  // ── The downloaded file: portrait 9:16, and what a viewer sees and hears ─────────────────────
  const downloadEvent = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download Video" }).click();
  const file = await (await downloadEvent).path();
  expect(mp4VideoSize(readFileSync(file))).toEqual({ width: 1080, height: 1920 });

  /** The colour of the whole frame `frame` (frame-exact: seek just past its start). */
  const frameColour = (frame: number, fraction = 1) => meanColour(file, (frame + 0.25) / FPS, fraction);
  const at = (seconds: number) => Math.floor(seconds * FPS + 0.5); // frame boundaries as the engine rounds them

  // Segment 1 is framed on its focus point: the white disc fills the middle of the frame, start to end.
  for (const seconds of [0.2, d1 - TRANSITION_SECONDS]) {
    const centre = await frameColour(at(seconds), 0.05);
    expect(
      Math.min(...centre),
      `the frame's centre at ${seconds} s is the focus point's white disc`,
    ).toBeGreaterThan(200);
  }

  // Segment 2 shows its three pictures in order, a third of its narration each.
  const shotColours: Rgb[] = [];
  for (const j of [0, 1, 2]) shotColours.push(await frameColour(at(d1 + ((j + 0.5) * d2) / 3)));
  expect(shotColours.map(dominant)).toEqual([0, 1, 2]);

  // Crossfades: the frame on a boundary mixes both pictures (a cut would show only the next one).
  const focusShot = await frameColour(at(d1 - TRANSITION_SECONDS));
  expectBlend(await frameColour(at(d1)), focusShot, shotColours[0]!, "segment 1 → 2");
  expectBlend(await frameColour(at(d1 + d2 / 3)), shotColours[0]!, shotColours[1]!, "red → green");

  // The narration is heard for the whole video.
  const audio = await audioSummary(file);
  expect(Math.abs(audio.seconds - (d1 + d2))).toBeLessThan(0.1);
  expect(audio.rmsPerSecond.length).toBeGreaterThanOrEqual(Math.floor(d1 + d2));
  for (const [second, rms] of audio.rmsPerSecond.entries()) {
    expect(rms, `audio level in second ${second}`).toBeGreaterThan(0.01);
  }
  expect(errors, errors.join("\n")).toEqual([]);
});
