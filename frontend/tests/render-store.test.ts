import { http, HttpResponse } from "msw";

import { RENDER_POLL_INTERVAL_MS, useAppStore } from "@/lib/store";
import type { RenderStatusResponse } from "@/lib/types";

import { makeProject, makeProjectDetail, OUTPUT_INFO, PROJECT_ID, statusResponse } from "./fixtures";
import { api, server, TEST_API } from "./msw";

/** Answers GET /status/ with the queued responses in turn (the last one repeats) and counts the calls. */
function queueStatuses(...responses: RenderStatusResponse[]) {
  const calls = { count: 0 };
  server.use(
    http.get(api("/projects/:id/status/"), () => {
      const response = responses[Math.min(calls.count, responses.length - 1)]!;
      calls.count += 1;
      return HttpResponse.json(response);
    }),
  );
  return calls;
}

const state = () => useAppStore.getState();

/** Lets pending responses arrive without moving the fake clock forward. */
async function settle() {
  for (let i = 0; i < 20; i += 1) await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  useAppStore.getState().resetRenderState();
  useAppStore.getState().resetProject();
  // Reloads after completion/failure ask for the project; answer them quietly.
  server.use(http.get(api("/projects/:id/"), () => HttpResponse.json(makeProjectDetail())));
});

afterEach(() => {
  useAppStore.getState().stopPolling();
  vi.useRealTimers();
});

describe("startRender", () => {
  it("moves idle → validating → rendering and records the task id the server names", async () => {
    // An opaque id: the browser must take the server's task id, never build one.
    const taskId = "job-7f3a9c";
    let body: unknown;
    server.use(
      http.post(api("/projects/:id/render/"), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(
          {
            task_id: taskId,
            project_id: PROJECT_ID,
            status: "PROCESSING",
            total_segments: 3,
            message: "Video rendering started",
          },
          { status: 202 },
        );
      }),
    );
    expect(state().renderStatus).toBe("idle");
    const pending = state().startRender(PROJECT_ID);
    expect(state().renderStatus).toBe("validating");
    await pending;
    expect(body).toEqual({});
    expect(state()).toMatchObject({
      renderStatus: "rendering",
      renderTaskId: taskId,
      renderProgress: { current_segment: 0, total_segments: 3, percentage: 0 },
      renderError: null,
    });
  });

  it("fails with the server's reason and the missing segments on 400", async () => {
    server.use(
      http.post(api("/projects/:id/render/"), () =>
        HttpResponse.json(
          {
            error: "Project is not ready to render",
            missing_images: ["seg-2"],
            missing_audio: ["seg-3"],
            message: "Segment 2 needs an image; segment 3 needs narration.",
          },
          { status: 400 },
        ),
      ),
    );
    await state().startRender(PROJECT_ID);
    expect(state()).toMatchObject({
      renderStatus: "failed",
      renderError: "Segment 2 needs an image; segment 3 needs narration.",
      missingImages: ["seg-2"],
      missingAudio: ["seg-3"],
    });
  });

  it("follows a render that is already running on 409", async () => {
    server.use(
      http.post(api("/projects/:id/render/"), () =>
        HttpResponse.json(
          { error: "Already rendering", project_id: PROJECT_ID, status: "PROCESSING" },
          { status: 409 },
        ),
      ),
    );
    await state().startRender(PROJECT_ID);
    expect(state().renderStatus).toBe("rendering");
    // The 409 names no task: the render is followed by project, and no task id is made up.
    expect(state().renderTaskId).toBeNull();
  });

  it("fails with the error when ffmpeg is missing (500)", async () => {
    server.use(
      http.post(api("/projects/:id/render/"), () =>
        HttpResponse.json({ error: "ffmpeg was not found" }, { status: 500 }),
      ),
    );
    await state().startRender(PROJECT_ID);
    expect(state()).toMatchObject({ renderStatus: "failed", renderError: "ffmpeg was not found" });
  });

  it("says the backend can't be reached when the network fails", async () => {
    server.use(http.post(api("/projects/:id/render/"), () => HttpResponse.error()));
    await state().startRender(PROJECT_ID);
    expect(state().renderStatus).toBe("failed");
    expect(state().renderError).toBe(`Cannot reach the StoryReel backend at ${TEST_API}. Is it running?`);
  });

  it("waits for a change still being saved, so the render includes it", async () => {
    await state().loadProject(PROJECT_ID);
    const events: string[] = [];
    let answerPatch: () => void = () => undefined;
    server.use(
      http.patch(api("/projects/:id/"), async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        events.push("patch received");
        await new Promise<void>((resolve) => (answerPatch = resolve));
        events.push("patch answered");
        return HttpResponse.json(makeProject(body));
      }),
      http.post(api("/projects/:id/render/"), () => {
        events.push("render requested");
        return HttpResponse.json(
          { task_id: "job-1", project_id: PROJECT_ID, status: "PROCESSING", total_segments: 3, message: "" },
          { status: 202 },
        );
      }),
    );
    // The user picks word captions and clicks Export before the save is answered.
    const saving = state().updateProject({ caption_mode: "word" });
    expect(state().pendingWrites).toBe(1);
    const rendering = state().startRender(PROJECT_ID);
    await vi.waitFor(() => expect(events).toEqual(["patch received"]));
    expect(state().renderStatus).toBe("validating");
    answerPatch();
    await Promise.all([saving, rendering]);
    expect(events).toEqual(["patch received", "patch answered", "render requested"]);
    expect(state()).toMatchObject({ renderStatus: "rendering", pendingWrites: 0 });
    expect(state().project?.caption_mode).toBe("word");
  });

  it("does not render when a change in flight is refused, and says which", async () => {
    await state().loadProject(PROJECT_ID);
    let renders = 0;
    server.use(
      http.patch(api("/projects/:id/"), () =>
        HttpResponse.json(
          {
            error: "framerate: Unsupported frame rate 29; choose 24, 25, 30 or 60.",
            framerate: ["Unsupported frame rate 29; choose 24, 25, 30 or 60."],
          },
          { status: 400 },
        ),
      ),
      http.post(api("/projects/:id/render/"), () => {
        renders += 1;
        return HttpResponse.json({}, { status: 202 });
      }),
    );
    const saving = state().updateProject({ framerate: 29 });
    await state().startRender(PROJECT_ID);
    await expect(saving).rejects.toThrow();
    expect(renders).toBe(0);
    expect(state().renderStatus).toBe("failed");
    expect(state().renderError).toMatch(/^Not exported: a change could not be saved \(.*frame rate 29.*\)/);
  });
});

describe("pollRenderStatus", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    useAppStore.setState({ renderProjectId: PROJECT_ID, renderStatus: "rendering" });
  });

  it("asks at once and then every 3 seconds, updating the progress", async () => {
    const calls = queueStatuses(
      statusResponse({
        progress: {
          current_segment: 1,
          total_segments: 5,
          percentage: 20,
          current_phase: "Rendering segment 2",
          stage: "SCENE_BUILD",
          eta_seconds: null,
        },
      }),
      statusResponse({
        progress: {
          current_segment: 2,
          total_segments: 5,
          percentage: 40,
          current_phase: "Rendering segment 3",
          stage: "SCENE_BUILD",
          eta_seconds: null,
        },
      }),
    );
    state().pollRenderStatus(PROJECT_ID);
    await settle();
    expect(calls.count).toBe(1);
    expect(state().renderProgress?.percentage).toBe(20);

    await vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS - 1);
    await settle();
    expect(calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(calls.count).toBe(2);
    expect(state().renderProgress?.percentage).toBe(40);
    expect(state().renderProgress?.current_phase).toBe("Rendering segment 3");
  });

  it("is idempotent for the same project", async () => {
    const calls = queueStatuses(statusResponse());
    state().pollRenderStatus(PROJECT_ID);
    state().pollRenderStatus(PROJECT_ID);
    await vi.waitFor(() => expect(calls.count).toBe(1));
    await vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS);
    expect(calls.count).toBe(2);
  });

  it("stops on COMPLETED and keeps the video URL", async () => {
    const calls = queueStatuses(
      statusResponse(),
      statusResponse({
        status: "COMPLETED",
        progress: {
          current_segment: 5,
          total_segments: 5,
          percentage: 100,
          current_phase: "Export complete",
          stage: "DONE",
          eta_seconds: null,
        },
        output_url: `/media/projects/${PROJECT_ID}/output/final.mp4`,
      }),
    );
    state().pollRenderStatus(PROJECT_ID);
    await vi.waitFor(() => expect(calls.count).toBe(1));
    await vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS);
    await vi.waitFor(() => expect(state().renderStatus).toBe("completed"));
    expect(state().outputUrl).toBe(`/media/projects/${PROJECT_ID}/output/final.mp4`);
    expect(state().renderProgress?.percentage).toBe(100);
    expect(state().renderVersion).toBe(1);

    await vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS * 5);
    expect(calls.count).toBe(2);
  });

  it("stops on FAILED with the reason", async () => {
    const calls = queueStatuses(
      statusResponse({ status: "FAILED", progress: null, error: "ffmpeg exited with code 1" }),
    );
    state().pollRenderStatus(PROJECT_ID);
    await vi.waitFor(() => expect(state().renderStatus).toBe("failed"));
    expect(state().renderError).toBe("ffmpeg exited with code 1");
    await vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS * 3);
    expect(calls.count).toBe(1);
  });

  it("stops when stopPolling is called, ignoring an answer still on its way", async () => {
    const calls = queueStatuses(statusResponse());
    state().pollRenderStatus(PROJECT_ID);
    state().stopPolling();
    await vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS * 3);
    expect(calls.count).toBeLessThanOrEqual(1);
    expect(state().renderProgress).toBeNull();
  });

  it("never lets the percentage go down", async () => {
    queueStatuses(
      statusResponse({
        progress: {
          current_segment: 3,
          total_segments: 5,
          percentage: 60,
          current_phase: "Encoding",
          stage: "SCENE_BUILD",
          eta_seconds: null,
        },
      }),
      statusResponse({
        progress: {
          current_segment: 3,
          total_segments: 5,
          percentage: 55,
          current_phase: "Encoding",
          stage: "SCENE_BUILD",
          eta_seconds: null,
        },
      }),
    );
    state().pollRenderStatus(PROJECT_ID);
    await vi.waitFor(() => expect(state().renderProgress?.percentage).toBe(60));
    await vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS);
    expect(state().renderProgress?.percentage).toBe(60);
  });

  it("keeps polling through a network error and says so", async () => {
    let call = 0;
    server.use(
      http.get(api("/projects/:id/status/"), () => {
        call += 1;
        return call === 1 ? HttpResponse.error() : HttpResponse.json(statusResponse());
      }),
    );
    state().pollRenderStatus(PROJECT_ID);
    await vi.waitFor(() => expect(state().pollError).toMatch(/Cannot reach the StoryReel backend/));
    expect(state().renderStatus).toBe("rendering");
    await vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS);
    await vi.waitFor(() => expect(state().pollError).toBeNull());
    expect(call).toBe(2);
  });
});

describe("syncRenderFromProject", () => {
  it("resumes a render already running", () => {
    state().syncRenderFromProject(makeProject({ status: "PROCESSING" }));
    expect(state()).toMatchObject({
      renderStatus: "rendering",
      renderProjectId: PROJECT_ID,
      // The project names no task: the render is followed by project, and no task id is made up.
      renderTaskId: null,
    });
  });

  it("shows a finished video", () => {
    state().syncRenderFromProject(
      makeProject({ status: "COMPLETED", output_url: "/media/x/final.mp4", output_info: OUTPUT_INFO }),
    );
    expect(state()).toMatchObject({ renderStatus: "completed", outputUrl: "/media/x/final.mp4" });
  });

  it("keeps the reason of a failed render and the last good video", () => {
    state().syncRenderFromProject(
      makeProject({ status: "FAILED", render_error: "interrupted", output_url: "/media/x/final.mp4" }),
    );
    expect(state()).toMatchObject({
      renderStatus: "failed",
      renderError: "interrupted",
      outputUrl: "/media/x/final.mp4",
    });
  });

  it("is idle for a draft", () => {
    state().syncRenderFromProject(makeProject({ status: "DRAFT" }));
    expect(state().renderStatus).toBe("idle");
  });
});

describe("downloadVideo and resetRenderState", () => {
  it("follows the attachment endpoint with a link click", () => {
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.href);
    });
    state().downloadVideo(PROJECT_ID);
    expect(clicked).toEqual([`${TEST_API}/api/projects/${PROJECT_ID}/download/`]);
    expect(document.querySelector("a[href$='/download/']")).toBeNull();
  });

  it("returns to idle and forgets everything", () => {
    useAppStore.setState({ renderStatus: "failed", renderError: "x", outputUrl: "/y", renderTaskId: "t" });
    state().resetRenderState();
    expect(state()).toMatchObject({
      renderStatus: "idle",
      renderError: null,
      outputUrl: null,
      renderTaskId: null,
    });
  });
});
