import { act, render, screen } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { ProjectEditor } from "@/components/editor/project-editor";
import { TooltipProvider } from "@/components/ui/tooltip";
import { RENDER_POLL_INTERVAL_MS, useAppStore } from "@/lib/store";
import type { ProjectDetail } from "@/lib/types";

import { makeProjectDetail, makeSegment, OUTPUT_INFO, PROJECT_ID, statusResponse } from "./fixtures";
import { api, server, TEST_API } from "./msw";

async function settle() {
  for (let i = 0; i < 25; i += 1) await act(() => vi.advanceTimersByTimeAsync(0));
}

function renderEditor() {
  return render(
    <TooltipProvider>
      <ProjectEditor projectId={PROJECT_ID} />
    </TooltipProvider>,
  );
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  useAppStore.getState().resetProject();
  useAppStore.getState().resetRenderState();
});

afterEach(() => {
  useAppStore.getState().stopPolling();
  vi.useRealTimers();
});

describe("ProjectEditor", () => {
  it("resumes following a render already running when the page opens, then shows the video", async () => {
    let project: ProjectDetail = makeProjectDetail({ status: "PROCESSING" });
    let statusCalls = 0;
    server.use(
      http.get(api("/projects/:id/"), () => HttpResponse.json(project)),
      http.get(api("/projects/:id/status/"), () => {
        statusCalls += 1;
        if (statusCalls === 1) {
          return HttpResponse.json(
            statusResponse({
              progress: {
                current_segment: 1,
                total_segments: 2,
                percentage: 50,
                current_phase: "Rendering segment 2",
                stage: "SCENE_BUILD",
                eta_seconds: null,
              },
            }),
          );
        }
        project = makeProjectDetail({
          status: "COMPLETED",
          output_url: `/media/projects/${PROJECT_ID}/output/final.mp4`,
          output_info: OUTPUT_INFO,
        });
        return HttpResponse.json(
          statusResponse({
            status: "COMPLETED",
            progress: {
              current_segment: 2,
              total_segments: 2,
              percentage: 100,
              current_phase: "Export complete",
              stage: "DONE",
              eta_seconds: null,
            },
            output_url: `/media/projects/${PROJECT_ID}/output/final.mp4`,
          }),
        );
      }),
    );

    const { unmount } = renderEditor();
    await settle();
    expect(screen.getByText("Segment 1 of 2 (50%)")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Rendering…" })).toBeDisabled();
    expect(screen.getByLabelText("Render status: Rendering")).toBeInTheDocument();
    expect(screen.getByLabelText("Narration text", { selector: `#segment-seg-1-text` })).toBeDisabled();

    await act(() => vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS));
    await settle();
    expect(screen.getByRole("button", { name: "Download Video" })).toBeEnabled();
    expect(screen.getByLabelText("Render status: Completed")).toBeInTheDocument();
    expect(screen.getByTestId("video-preview")).toHaveAttribute(
      "src",
      `${TEST_API}/media/projects/${PROJECT_ID}/output/final.mp4?v=${encodeURIComponent(OUTPUT_INFO.rendered_at)}`,
    );

    unmount();
    await act(() => vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS * 3));
    expect(statusCalls).toBe(2);
    expect(useAppStore.getState().project).toBeNull();
  }, 20_000); // a full page through two polls: ~4 s alone, slower on a loaded machine

  it("explains what each segment still needs before export", async () => {
    server.use(
      http.get(api("/projects/:id/"), () =>
        HttpResponse.json(
          makeProjectDetail({
            segments: [
              makeSegment({ sequence_index: 0 }),
              makeSegment({ sequence_index: 1, image_file: null }),
              makeSegment({
                sequence_index: 2,
                audio_file: null,
                audio_duration: null,
                audio_matches_text: null,
              }),
            ],
          }),
        ),
      ),
    );
    renderEditor();
    await settle();
    expect(screen.getByRole("button", { name: "Export Video" })).toBeDisabled();
    expect(
      screen.getByText("Not ready to render: Segment 2 needs an image; Segment 3 needs narration"),
    ).toBeInTheDocument();
  });

  it("says when the project does not exist", async () => {
    server.use(
      http.get(api("/projects/:id/"), () => HttpResponse.json({ detail: "Not found." }, { status: 404 })),
    );
    renderEditor();
    await settle();
    expect(screen.getByText("Project not found")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "All projects" })).toHaveAttribute("href", "/");
  });
});
