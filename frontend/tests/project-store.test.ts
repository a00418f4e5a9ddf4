import { http, HttpResponse } from "msw";

import { NARRATION_POLL_INTERVAL_MS, useAppStore } from "@/lib/store";
import type { Segment, TaskStatusResponse } from "@/lib/types";

import { makeProjectDetail, makeSegment, PROJECT_ID } from "./fixtures";
import { api, server } from "./msw";

const store = () => useAppStore.getState();
const ids = () => store().project?.segments.map((s) => s.id);

async function settle() {
  for (let i = 0; i < 20; i += 1) await vi.advanceTimersByTimeAsync(0);
}

function serveProject(segments: Segment[]) {
  server.use(http.get(api("/projects/:id/"), () => HttpResponse.json(makeProjectDetail({ segments }))));
}

beforeEach(async () => {
  store().resetProject();
  useAppStore.getState().resetRenderState();
  serveProject([
    makeSegment({ sequence_index: 0 }),
    makeSegment({ sequence_index: 1 }),
    makeSegment({ sequence_index: 2 }),
  ]);
  await store().loadProject(PROJECT_ID);
});

afterEach(() => {
  store().resetProject();
  vi.useRealTimers();
});

describe("loading", () => {
  it("loads the project and adopts its render state", async () => {
    expect(store().loadStatus).toBe("ready");
    expect(ids()).toEqual(["seg-1", "seg-2", "seg-3"]);
    expect(useAppStore.getState().renderProjectId).toBe(PROJECT_ID);
  });

  it("records a 404", async () => {
    server.use(
      http.get(api("/projects/:id/"), () => HttpResponse.json({ detail: "Not found." }, { status: 404 })),
    );
    await store().loadProject("missing");
    expect(store().loadStatus).toBe("error");
    expect(store().loadError?.status).toBe(404);
  });
});

describe("moveSegment", () => {
  it("moves optimistically and adopts the server's order", async () => {
    let sent: unknown;
    server.use(
      http.post(api("/projects/:id/reorder/"), async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json([
          makeSegment({ id: "seg-2", sequence_index: 0 }),
          makeSegment({ id: "seg-1", sequence_index: 1 }),
          makeSegment({ id: "seg-3", sequence_index: 2 }),
        ]);
      }),
    );
    const pending = store().moveSegment("seg-2", -1);
    expect(ids()).toEqual(["seg-2", "seg-1", "seg-3"]);
    await pending;
    expect(sent).toEqual({ segment_ids: ["seg-2", "seg-1", "seg-3"] });
    expect(ids()).toEqual(["seg-2", "seg-1", "seg-3"]);
  });

  it("puts the order back when the server refuses", async () => {
    server.use(
      http.post(api("/projects/:id/reorder/"), () =>
        HttpResponse.json({ error: "The project is rendering" }, { status: 409 }),
      ),
    );
    await expect(store().moveSegment("seg-3", -1)).rejects.toThrow("The project is rendering");
    expect(ids()).toEqual(["seg-1", "seg-2", "seg-3"]);
  });

  it("ignores moves past either end", async () => {
    await store().moveSegment("seg-1", -1);
    await store().moveSegment("seg-3", 1);
    expect(ids()).toEqual(["seg-1", "seg-2", "seg-3"]);
  });
});

describe("segments", () => {
  it("adds a segment at the end", async () => {
    server.use(
      http.post(api("/segments/"), () =>
        HttpResponse.json(makeSegment({ id: "seg-4", sequence_index: 3, text_content: "" }), { status: 201 }),
      ),
    );
    await store().addSegment();
    expect(ids()).toEqual(["seg-1", "seg-2", "seg-3", "seg-4"]);
    expect(store().project?.segment_count).toBe(4);
  });

  it("deletes a segment and renumbers the rest", async () => {
    server.use(http.delete(api("/segments/:id/"), () => new HttpResponse(null, { status: 204 })));
    await store().deleteSegment("seg-1");
    expect(store().project?.segments.map((s) => [s.id, s.sequence_index])).toEqual([
      ["seg-2", 0],
      ["seg-3", 1],
    ]);
  });

  it("replaces a segment with the server's copy after saving text", async () => {
    server.use(
      http.patch(api("/segments/:id/"), () =>
        HttpResponse.json(
          makeSegment({ sequence_index: 0, text_content: "New words", audio_matches_text: false }),
        ),
      ),
    );
    await store().saveSegment("seg-1", { text_content: "New words" });
    expect(store().project?.segments[0]).toMatchObject({
      text_content: "New words",
      audio_matches_text: false,
    });
  });
});

describe("narration", () => {
  function taskStatus(overrides: Partial<TaskStatusResponse>): TaskStatusResponse {
    return {
      task_id: "tts_seg-1",
      status: "RUNNING",
      progress: {
        current_segment: 0,
        total_segments: 1,
        percentage: 0,
        current_phase: "Narrating",
        stage: "SCENE_BUILD",
        eta_seconds: null,
      },
      completed_segments: [],
      errors: [],
      ...overrides,
    };
  }

  it("polls a segment's task until it completes, then shows the new narration", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let polls = 0;
    server.use(
      http.post(api("/segments/:id/generate-audio/"), () =>
        HttpResponse.json(
          { task_id: "tts_seg-1", segment_id: "seg-1", status: "PENDING", message: "Queued" },
          { status: 202 },
        ),
      ),
      http.get(api("/tasks/:taskId/status/"), () => {
        polls += 1;
        return HttpResponse.json(
          polls < 2
            ? taskStatus({})
            : taskStatus({
                status: "COMPLETED",
                progress: {
                  current_segment: 1,
                  total_segments: 1,
                  percentage: 100,
                  current_phase: "Done",
                  stage: "DONE",
                  eta_seconds: null,
                },
                completed_segments: [
                  { segment_id: "seg-1", audio_url: "http://a/new.wav", audio_duration: 3.5 },
                ],
              }),
        );
      }),
    );
    await store().generateNarration("seg-1");
    expect(store().narrationPending["seg-1"]).toBe(true);

    await vi.advanceTimersByTimeAsync(NARRATION_POLL_INTERVAL_MS);
    await settle();
    expect(polls).toBe(1);
    expect(store().narrationPending["seg-1"]).toBe(true);

    await vi.advanceTimersByTimeAsync(NARRATION_POLL_INTERVAL_MS);
    await settle();
    expect(polls).toBe(2);
    expect(store().narrationPending["seg-1"]).toBeUndefined();

    await vi.advanceTimersByTimeAsync(NARRATION_POLL_INTERVAL_MS * 3);
    expect(polls).toBe(2);
  });

  it("shows why a narration failed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    server.use(
      http.post(api("/segments/:id/generate-audio/"), () =>
        HttpResponse.json(
          { task_id: "tts_seg-2", segment_id: "seg-2", status: "PENDING", message: "Queued" },
          { status: 202 },
        ),
      ),
      http.get(api("/tasks/:taskId/status/"), () =>
        HttpResponse.json(
          taskStatus({
            task_id: "tts_seg-2",
            status: "FAILED",
            errors: [{ segment_id: "seg-2", error: "No voice installed" }],
          }),
        ),
      ),
    );
    await store().generateNarration("seg-2");
    await vi.advanceTimersByTimeAsync(NARRATION_POLL_INTERVAL_MS);
    await settle();
    expect(store().narrationErrors["seg-2"]).toBe("No voice installed");
    expect(store().narrationPending["seg-2"]).toBeUndefined();
  });

  it("reports a refusal at once (e.g. a locked segment)", async () => {
    server.use(
      http.post(api("/segments/:id/generate-audio/"), () =>
        HttpResponse.json({ error: "The segment is locked" }, { status: 409 }),
      ),
    );
    await store().generateNarration("seg-1");
    expect(store().narrationErrors["seg-1"]).toBe("The segment is locked");
    expect(store().narrationPending["seg-1"]).toBeUndefined();
  });

  it("runs the whole batch with progress and applies narrations as they finish", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let polls = 0;
    server.use(
      http.post(api("/projects/:id/generate-all-audio/"), () =>
        HttpResponse.json(
          {
            task_id: "tts_batch",
            total_segments: 3,
            segments_to_process: 2,
            skipped_locked: 1,
            skipped_existing: 0,
            skipped_empty: 0,
            message: "Started",
          },
          { status: 202 },
        ),
      ),
      http.get(api("/tasks/:taskId/status/"), () => {
        polls += 1;
        return HttpResponse.json(
          polls === 1
            ? taskStatus({
                task_id: "tts_batch",
                progress: {
                  current_segment: 1,
                  total_segments: 2,
                  percentage: 50,
                  current_phase: "Narrating",
                  stage: "SCENE_BUILD",
                  eta_seconds: null,
                },
                completed_segments: [{ segment_id: "seg-2", audio_url: "http://a/2.wav", audio_duration: 2 }],
              })
            : taskStatus({
                task_id: "tts_batch",
                status: "COMPLETED",
                progress: {
                  current_segment: 2,
                  total_segments: 2,
                  percentage: 100,
                  current_phase: "Done",
                  stage: "DONE",
                  eta_seconds: null,
                },
              }),
        );
      }),
    );
    const project = store().project!;
    useAppStore.setState({
      project: {
        ...project,
        segments: [
          // needs_narration comes from the server: the locked one is skipped, the others need narration.
          { ...project.segments[0]!, is_locked: true, audio_file: null, needs_narration: false },
          {
            ...project.segments[1]!,
            audio_file: null,
            audio_duration: null,
            audio_matches_text: null,
            needs_narration: true,
          },
          { ...project.segments[2]!, audio_matches_text: false, needs_narration: true },
        ],
      },
    });
    const result = await store().generateAllNarration();
    expect(result.segments_to_process).toBe(2);
    expect(store().batchNarration).toEqual({
      taskId: "tts_batch",
      progress: {
        current_segment: 0,
        total_segments: 2,
        percentage: 0,
        current_phase: "Queued",
        stage: "QUEUED",
        eta_seconds: null,
      },
      pendingSegmentIds: ["seg-2", "seg-3"],
    });

    await vi.advanceTimersByTimeAsync(NARRATION_POLL_INTERVAL_MS);
    await settle();
    expect(store().batchNarration?.progress?.percentage).toBe(50);
    expect(store().batchNarration?.pendingSegmentIds).toEqual(["seg-3"]);
    expect(store().project?.segments[1]).toMatchObject({ audio_file: "http://a/2.wav", audio_duration: 2 });

    await vi.advanceTimersByTimeAsync(NARRATION_POLL_INTERVAL_MS);
    await settle();
    expect(store().batchNarration).toBeNull();
  });

  it("does not start polling when there is nothing to generate", async () => {
    server.use(
      http.post(api("/projects/:id/generate-all-audio/"), () =>
        HttpResponse.json({
          task_id: null,
          total_segments: 3,
          segments_to_process: 0,
          skipped_locked: 0,
          skipped_existing: 3,
          skipped_empty: 0,
          message: "Nothing to do",
        }),
      ),
    );
    const result = await store().generateAllNarration();
    expect(result.task_id).toBeNull();
    expect(store().batchNarration).toBeNull();
  });
});
