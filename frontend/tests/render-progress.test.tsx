import { act, render, screen } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { RenderProgress, describeRenderProgress, formatEta } from "@/components/render/render-progress";
import { RENDER_POLL_INTERVAL_MS, useAppStore } from "@/lib/store";

import { makeProjectDetail, PROJECT_ID, statusResponse } from "./fixtures";
import { api, server } from "./msw";

async function settle() {
  for (let i = 0; i < 20; i += 1) await act(() => vi.advanceTimersByTimeAsync(0));
}

describe("RenderProgress", () => {
  let statusCalls = 0;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    useAppStore.getState().resetRenderState();
    useAppStore.getState().resetProject();
    statusCalls = 0;
    server.use(
      http.get(api("/projects/:id/status/"), () => {
        statusCalls += 1;
        return HttpResponse.json(
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
      }),
      http.get(api("/projects/:id/"), () => HttpResponse.json(makeProjectDetail())),
    );
  });

  afterEach(() => {
    useAppStore.getState().stopPolling();
    vi.useRealTimers();
  });

  it("formats the progress line", () => {
    expect(
      describeRenderProgress({
        current_segment: 2,
        total_segments: 5,
        percentage: 40,
        current_phase: "Encoding",
        stage: "SCENE_BUILD",
        eta_seconds: null,
      }),
    ).toBe("Segment 2 of 5 (40%)");
  });

  it("shows the segment, percentage and phase from the status endpoint", async () => {
    useAppStore.setState({ renderProjectId: PROJECT_ID, renderStatus: "rendering" });
    render(<RenderProgress projectId={PROJECT_ID} />);
    expect(screen.getByText("Preparing render…")).toBeInTheDocument();
    await settle();
    expect(screen.getByText("Segment 2 of 5 (40%)")).toBeInTheDocument();
    expect(screen.getByText("Rendering segment 3")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Render progress" })).toHaveAttribute(
      "aria-valuenow",
      "40",
    );
  });

  it("says the render waits for changes still being saved", () => {
    useAppStore.setState({ renderProjectId: PROJECT_ID, renderStatus: "validating", pendingWrites: 1 });
    render(<RenderProgress projectId={PROJECT_ID} />);
    expect(screen.getByTestId("render-phase")).toHaveTextContent("Saving your last changes first…");
    act(() => useAppStore.setState({ pendingWrites: 0 }));
    expect(screen.getByTestId("render-phase")).toHaveTextContent("Checking segments…");
  });

  it("shows the time left when the server estimates it", async () => {
    server.use(
      http.get(api("/projects/:id/status/"), () =>
        HttpResponse.json(
          statusResponse({
            progress: {
              current_segment: 3,
              total_segments: 5,
              percentage: 60,
              current_phase: "Encoding segment 4 of 5",
              stage: "SCENE_BUILD[4]",
              eta_seconds: 40.2,
            },
          }),
        ),
      ),
    );
    useAppStore.setState({ renderProjectId: PROJECT_ID, renderStatus: "rendering" });
    render(<RenderProgress projectId={PROJECT_ID} />);
    await settle();
    expect(screen.getByTestId("render-eta")).toHaveTextContent("about 40 s left");
  });

  it("hides the time left while it is unknown", async () => {
    useAppStore.setState({ renderProjectId: PROJECT_ID, renderStatus: "rendering" });
    render(<RenderProgress projectId={PROJECT_ID} />);
    await settle();
    expect(screen.getByText("Segment 2 of 5 (40%)")).toBeInTheDocument();
    expect(screen.queryByTestId("render-eta")).toBeNull();
  });

  it("rounds the estimate to seconds or minutes", () => {
    expect(formatEta(0.3)).toBe("1 s");
    expect(formatEta(40.2)).toBe("40 s");
    expect(formatEta(59.4)).toBe("59 s");
    expect(formatEta(59.6)).toBe("1 min");
    expect(formatEta(200)).toBe("3 min");
  });

  it("polls every 3 s while mounted and stops on unmount", async () => {
    useAppStore.setState({ renderProjectId: PROJECT_ID, renderStatus: "rendering" });
    const { unmount } = render(<RenderProgress projectId={PROJECT_ID} />);
    await settle();
    expect(statusCalls).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS));
    await settle();
    expect(statusCalls).toBe(2);

    unmount();
    await act(() => vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS * 4));
    expect(statusCalls).toBe(2);
  });

  it("stops polling once the render completes", async () => {
    server.use(
      http.get(api("/projects/:id/status/"), () => {
        statusCalls += 1;
        return HttpResponse.json(
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
            output_url: "/media/final.mp4",
          }),
        );
      }),
    );
    useAppStore.setState({ renderProjectId: PROJECT_ID, renderStatus: "rendering" });
    const { container } = render(<RenderProgress projectId={PROJECT_ID} />);
    await settle();
    expect(useAppStore.getState().renderStatus).toBe("completed");
    expect(container).toBeEmptyDOMElement();
    await act(() => vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS * 3));
    expect(statusCalls).toBe(1);
  });

  it("renders nothing and does not poll when no render runs", async () => {
    const { container } = render(<RenderProgress projectId={PROJECT_ID} />);
    await act(() => vi.advanceTimersByTimeAsync(RENDER_POLL_INTERVAL_MS * 2));
    expect(container).toBeEmptyDOMElement();
    expect(statusCalls).toBe(0);
  });
});
