import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { RenderPanel } from "@/components/render/render-panel";
import { TooltipProvider } from "@/components/ui/tooltip";
import {
  CANCEL_POLL_INTERVAL_MS,
  CANCELLED_KEPT_NOTICE,
  NOTHING_TO_CANCEL_NOTICE,
  RENDER_POLL_INTERVAL_MS,
  useAppStore,
} from "@/lib/store";
import type { CancelResponse, ProgressRecord, ProjectDetail, RenderStatusResponse } from "@/lib/types";

import { makeProjectDetail, OUTPUT_INFO, PROJECT_ID, statusResponse } from "./fixtures";
import { api, server, TEST_API } from "./msw";

const JOB_ID = "5d7e9a20-8c1b-4f0e-a7a3-2b9c41d0e6f1";
const VIDEO = `/media/projects/${PROJECT_ID}/output/final.mp4`;

const RUNNING: ProgressRecord = {
  current_segment: 1,
  total_segments: 2,
  percentage: 40,
  current_phase: "Encoding segment 2 of 2",
  stage: "SCENE_BUILD[2]",
  eta_seconds: 12,
};

/** What the status endpoint answers once a render was cancelled (api.job_views._status_body). */
const CANCELLED_KEPT = statusResponse({
  status: "COMPLETED",
  progress: {
    ...RUNNING,
    current_segment: 2,
    percentage: 100,
    current_phase: CANCELLED_KEPT_NOTICE,
    stage: "CANCELLED",
  },
  output_url: VIDEO,
  job_id: JOB_ID,
  stage: "CANCELLED",
  log_tail: ["[CANCELLED] Render cancelled; the previous video is kept"],
});
const CANCELLED_DRAFT = statusResponse({
  status: "DRAFT",
  progress: { ...RUNNING, current_phase: "Render cancelled", stage: "CANCELLED", eta_seconds: null },
  job_id: JOB_ID,
  stage: "CANCELLED",
  log_tail: ["[CANCELLED] Render cancelled"],
});

const state = () => useAppStore.getState();

/** Lets pending responses arrive (and React re-render) without moving the fake clock forward. */
async function settle() {
  for (let i = 0; i < 25; i += 1) await act(() => vi.advanceTimersByTimeAsync(0));
}

async function advance(ms: number) {
  await act(() => vi.advanceTimersByTimeAsync(ms));
  await settle();
}

/** GET /status/ answers the queued bodies in turn (the last repeats); `calls` counts the requests. */
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

/**
 * POST /cancel/ answers 202 with `body`, but only once `release()` is called, so the test can look at the page
 * while the request is under way. `calls` counts the requests.
 */
function holdCancel(body: CancelResponse) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const calls = { count: 0 };
  server.use(
    http.post(api("/projects/:id/cancel/"), async () => {
      calls.count += 1;
      await released;
      return HttpResponse.json(body, { status: 202 });
    }),
  );
  return { calls, release };
}

function cancelling(overrides: Partial<CancelResponse> = {}): CancelResponse {
  return {
    ...statusResponse({ progress: RUNNING, job_id: JOB_ID, stage: "SCENE_BUILD[2]" }),
    cancel: "cancelling",
    message: "Cancelling the render",
    ...overrides,
  };
}

/** The project as the editor holds it, and as GET /projects/{id}/ answers the reloads after the outcome. */
function serveProject(project: ProjectDetail) {
  const reloads = { count: 0 };
  server.use(
    http.get(api("/projects/:id/"), () => {
      reloads.count += 1;
      return HttpResponse.json(project);
    }),
  );
  return reloads;
}

/** The Export panel of `project`, loaded in the store as the editor loads it. */
function renderPanel(project: ProjectDetail) {
  useAppStore.setState({ project });
  return render(
    <TooltipProvider>
      <RenderPanel project={project} />
    </TooltipProvider>,
  );
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  state().resetRenderState();
  state().resetProject();
});

afterEach(() => {
  state().stopPolling();
  vi.useRealTimers();
  window.__STORYREEL_CONFIG__ = { apiUrl: TEST_API };
});

describe("Cancel in the Rendering state", () => {
  it("shows Cancelling… (disabled) until the render stops, then the previous video with a note", async () => {
    const project = makeProjectDetail({
      status: "PROCESSING",
      output_url: VIDEO,
      output_info: OUTPUT_INFO,
    });
    const reloads = serveProject({ ...project, status: "COMPLETED" });
    state().syncRenderFromProject(project);
    const statuses = queueStatuses(
      statusResponse({ progress: RUNNING, job_id: JOB_ID }),
      statusResponse({ progress: RUNNING, job_id: JOB_ID }),
      CANCELLED_KEPT,
    );
    const cancel = holdCancel(cancelling());
    renderPanel(project);
    await settle();
    expect(statuses.count).toBe(1);
    expect(screen.getByTestId("render-phase")).toHaveTextContent("Encoding segment 2 of 2");
    const versionBefore = state().renderVersion;

    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await settle();
    // The request is under way: the button says so and can't be pressed twice.
    expect(cancel.calls.count).toBe(1);
    const button = screen.getByRole("button", { name: "Cancelling…" });
    expect(button).toBeDisabled();
    expect(screen.getByTestId("render-phase")).toHaveTextContent("Cancelling the render…");
    fireEvent.click(button);
    await settle();
    expect(cancel.calls.count).toBe(1);

    // 202 "cancelling": still PROCESSING, so the status is asked for every second, and the button stays disabled.
    cancel.release();
    await settle();
    expect(statuses.count).toBe(2); // the poller restarted at the faster pace, asking at once
    expect(screen.getByRole("button", { name: "Cancelling…" })).toBeDisabled();
    await advance(CANCEL_POLL_INTERVAL_MS);
    expect(statuses.count).toBe(3);

    // The render stopped: the previous video is still there, with the note; no more polling.
    expect(state()).toMatchObject({
      renderStatus: "completed",
      renderCancelling: false,
      outputUrl: VIDEO,
      renderNotice: CANCELLED_KEPT_NOTICE,
    });
    // Same video: the player is not made to reload it.
    expect(state().renderVersion).toBe(versionBefore);
    expect(screen.queryByTestId("render-progress")).toBeNull();
    expect(screen.getByTestId("render-notice")).toHaveTextContent(
      "Render cancelled; the previous video is kept",
    );
    expect(screen.getByTestId("video-preview")).toHaveAttribute(
      "src",
      expect.stringContaining(`${TEST_API}${VIDEO}`),
    );
    expect(screen.getByRole("button", { name: "Download Video" })).toBeEnabled();
    expect(reloads.count).toBe(1);
    await advance(RENDER_POLL_INTERVAL_MS * 3);
    expect(statuses.count).toBe(3);
  });

  it("goes back to Export with “Render cancelled” when there was no earlier video (DRAFT)", async () => {
    const project = makeProjectDetail({ status: "PROCESSING" });
    serveProject({ ...project, status: "DRAFT" });
    state().syncRenderFromProject(project);
    const statuses = queueStatuses(statusResponse({ progress: RUNNING, job_id: JOB_ID }), CANCELLED_DRAFT);
    const cancel = holdCancel(cancelling());
    renderPanel(project);
    await settle();

    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    cancel.release();
    await settle();
    expect(statuses.count).toBe(2);

    expect(state()).toMatchObject({
      renderStatus: "idle",
      renderCancelling: false,
      renderNotice: "Render cancelled",
    });
    expect(screen.getByRole("button", { name: "Export Video" })).toBeEnabled();
    expect(screen.getByTestId("render-notice")).toHaveTextContent(/^Render cancelled$/);
    expect(screen.queryByTestId("render-progress")).toBeNull();
    expect(screen.queryByTestId("video-preview")).toBeNull();
    await advance(RENDER_POLL_INTERVAL_MS * 2);
    expect(statuses.count).toBe(2);

    // A new render clears the note.
    queueStatuses(statusResponse({ progress: RUNNING }));
    server.use(
      http.post(api("/projects/:id/render/"), () =>
        HttpResponse.json(
          {
            task_id: "render_x",
            project_id: PROJECT_ID,
            status: "PROCESSING",
            total_segments: 2,
            message: "ok",
          },
          { status: 202 },
        ),
      ),
    );
    fireEvent.click(screen.getByRole("button", { name: "Export Video" }));
    await settle();
    expect(state().renderNotice).toBeNull();
    expect(screen.queryByTestId("render-notice")).toBeNull();
  });

  it("takes a queued render's immediate “cancelled” outcome from the 202 itself", async () => {
    const project = makeProjectDetail({ status: "PROCESSING" });
    serveProject({ ...project, status: "DRAFT" });
    state().syncRenderFromProject(project);
    const statuses = queueStatuses(
      statusResponse({ progress: { ...RUNNING, percentage: 0, stage: "QUEUED", current_phase: "Queued" } }),
    );
    const cancel = holdCancel({ ...CANCELLED_DRAFT, cancel: "cancelled", message: "Render cancelled" });
    renderPanel(project);
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    cancel.release();
    await settle();
    expect(state()).toMatchObject({ renderStatus: "idle", renderNotice: "Render cancelled" });
    expect(screen.getByRole("button", { name: "Export Video" })).toBeInTheDocument();
    await advance(RENDER_POLL_INTERVAL_MS * 2);
    expect(statuses.count).toBe(1); // no polling after the outcome
  });

  it("says clearly that there was nothing to cancel on 409, and shows how the render ended", async () => {
    const project = makeProjectDetail({ status: "PROCESSING" });
    serveProject({ ...project, status: "COMPLETED", output_url: VIDEO, output_info: OUTPUT_INFO });
    state().syncRenderFromProject(project);
    const statuses = queueStatuses(
      statusResponse({ progress: RUNNING }),
      statusResponse({
        status: "COMPLETED",
        progress: {
          ...RUNNING,
          current_segment: 2,
          percentage: 100,
          current_phase: "Export complete",
          stage: "DONE",
        },
        output_url: VIDEO,
        job_id: JOB_ID,
        stage: "DONE",
      }),
    );
    server.use(
      http.post(api("/projects/:id/cancel/"), () =>
        HttpResponse.json(
          { error: "No render of this project is queued or running.", project_id: PROJECT_ID },
          { status: 409 },
        ),
      ),
    );
    renderPanel(project);
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await settle();

    expect(statuses.count).toBe(2); // refreshed at once rather than at the next 3 s tick
    expect(state()).toMatchObject({
      renderStatus: "completed",
      renderCancelling: false,
      cancelError: null,
      renderNotice: NOTHING_TO_CANCEL_NOTICE,
    });
    expect(screen.getByTestId("render-notice")).toHaveTextContent(
      "There was no render to cancel: it had already ended.",
    );
    expect(screen.getByTestId("video-preview")).toBeInTheDocument();
  });

  it("keeps the render going and lets Cancel be tried again when the request fails", async () => {
    const project = makeProjectDetail({ status: "PROCESSING" });
    state().syncRenderFromProject(project);
    queueStatuses(statusResponse({ progress: RUNNING }));
    server.use(http.post(api("/projects/:id/cancel/"), () => HttpResponse.error()));
    renderPanel(project);
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await settle();
    expect(state()).toMatchObject({ renderStatus: "rendering", renderCancelling: false });
    const progress = screen.getByTestId("render-progress");
    expect(within(progress).getByRole("alert")).toHaveTextContent(
      `Could not cancel the render: Cannot reach the StoryReel backend at ${TEST_API}. Is it running?`,
    );
    expect(screen.getByRole("button", { name: "Cancel" })).toBeEnabled();
  });

  it("offers no Cancel before the server has accepted the render", async () => {
    const project = makeProjectDetail();
    useAppStore.setState({ renderProjectId: PROJECT_ID, renderStatus: "validating" });
    renderPanel(project);
    expect(screen.getByTestId("render-progress")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel" })).toBeNull();
  });
});

describe("A failed render's log", () => {
  const LOG = [
    "[VALIDATE] 2 segments",
    "[SCENE_BUILD[1]] Encoding segment 1 of 2",
    "ffmpeg exited with status 1: Invalid data found when processing input",
  ];
  const FAILED = statusResponse({
    status: "FAILED",
    progress: { ...RUNNING, eta_seconds: null },
    error: "Segment 2's image could not be read.",
    job_id: JOB_ID,
    stage: "SCENE_BUILD[2]",
    log_tail: LOG,
  });

  it("shows the error and a closed panel with the log lines in monospace and a link to the full log", async () => {
    const project = makeProjectDetail({ status: "PROCESSING" });
    serveProject({ ...project, status: "FAILED", render_error: FAILED.error });
    state().syncRenderFromProject(project);
    queueStatuses(FAILED);
    renderPanel(project);
    await settle();

    expect(screen.getByRole("alert")).toHaveTextContent(
      "The render failed: Segment 2's image could not be read.",
    );
    const panel = screen.getByTestId("render-log");
    expect(panel.tagName).toBe("DETAILS");
    expect(panel).not.toHaveAttribute("open"); // collapsed until asked for
    expect(within(panel).getByText("Render log")).toBeInTheDocument();
    expect(panel).toHaveTextContent("last 3 lines");

    fireEvent.click(within(panel).getByText("Render log"));
    expect(panel).toHaveAttribute("open");
    const lines = screen.getByTestId("render-log-lines");
    expect(lines.tagName).toBe("PRE");
    expect(lines.className).toContain("font-mono");
    expect(lines.textContent).toBe(LOG.join("\n"));
    const link = within(panel).getByRole("link", { name: "Full log" });
    expect(link).toHaveAttribute("href", `${TEST_API}/api/jobs/${JOB_ID}/log/`);
    expect(link).toHaveAttribute("target", "_blank");
  });

  it("fetches the log once when the failure comes with the loaded project, with the API token on the link", async () => {
    window.__STORYREEL_CONFIG__ = { apiUrl: TEST_API, apiToken: "s3cret token" };
    const project = makeProjectDetail({ status: "FAILED", render_error: FAILED.error });
    state().syncRenderFromProject(project);
    const statuses = queueStatuses(FAILED);
    renderPanel(project);
    await settle();
    expect(statuses.count).toBe(1);
    expect(screen.getByTestId("render-log-lines").textContent).toBe(LOG.join("\n"));
    expect(screen.getByRole("link", { name: "Full log" })).toHaveAttribute(
      "href",
      `${TEST_API}/api/jobs/${JOB_ID}/log/?access_token=s3cret%20token`,
    );
    await advance(RENDER_POLL_INTERVAL_MS * 2);
    expect(statuses.count).toBe(1);
  });

  it("shows no log panel when the render never started (400: segments not ready)", async () => {
    const project = makeProjectDetail({ status: "DRAFT" });
    state().syncRenderFromProject(project);
    const statuses = queueStatuses(statusResponse({ status: "DRAFT", progress: null }));
    useAppStore.setState({ renderStatus: "failed", renderError: "Segment 2 needs an image." });
    renderPanel(project);
    await settle();
    expect(statuses.count).toBe(1);
    expect(screen.getByRole("alert")).toHaveTextContent("Segment 2 needs an image.");
    expect(screen.queryByTestId("render-log")).toBeNull();
  });
});
