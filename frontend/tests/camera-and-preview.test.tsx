import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";

import { focusFromClick, SegmentCamera } from "@/components/editor/segment-camera";
import { QuickPreview } from "@/components/render/quick-preview";
import { useAppStore } from "@/lib/store";
import type { Camera, PreviewStatus } from "@/lib/types";

import { makeProject, makeProjectDetail, makeSegment, PROJECT_ID } from "./fixtures";
import { api, server, TEST_API } from "./msw";

const preview = (overrides: Partial<PreviewStatus>): PreviewStatus => ({
  task_id: `preview_${PROJECT_ID}`,
  status: "NONE",
  progress: null,
  preview_url: null,
  width: null,
  height: null,
  fps: null,
  render_seconds: null,
  error: null,
  ...overrides,
});

describe("focusFromClick", () => {
  it("turns a click into 0–1 image coordinates, clamped", () => {
    const rect = { left: 100, top: 50, width: 200, height: 100 };
    expect(focusFromClick(150, 75, rect)).toEqual([0.25, 0.25]);
    expect(focusFromClick(90, 500, rect)).toEqual([0, 1]);
  });
});

describe("SegmentCamera", () => {
  it("saves a focus point where the picture is clicked and shows the shot's first and last frame", async () => {
    const saved: Camera[] = [];
    const segment = makeSegment();
    render(
      <SegmentCamera
        segment={segment}
        segmentNumber={1}
        onSave={async (camera) => {
          saved.push(camera);
        }}
      />,
    );
    const picture = screen.getByRole("button", { name: /Set the focus point of segment 1/ });
    picture.getBoundingClientRect = () => ({ left: 0, top: 0, width: 400, height: 300 }) as DOMRect;
    fireEvent.click(picture, { clientX: 100, clientY: 150 });
    await waitFor(() => expect(saved).toEqual([{ motion: "auto", focus: [0.25, 0.5], strength: null }]));
    for (const frame of ["first", "last"]) {
      const still = screen.getByAltText(`${frame === "first" ? "First" : "Last"} frame of segment 1`);
      expect(still.getAttribute("src")).toMatch(
        new RegExp(`^${TEST_API}/api/segments/${segment.id}/camera-preview/\\?frame=${frame}&v=`),
      );
    }
  });

  it("shows the focus marker and clears the focus", async () => {
    const saved: Camera[] = [];
    const segment = makeSegment({ camera: { motion: "zoom_in", focus: [0.3, 0.6], strength: 1.5 } });
    render(
      <SegmentCamera
        segment={segment}
        segmentNumber={2}
        onSave={async (camera) => {
          saved.push(camera);
        }}
      />,
    );
    expect(screen.getByTestId("focus-marker")).toHaveStyle({ left: "30%", top: "60%" });
    await userEvent.click(screen.getByRole("button", { name: "Clear focus" }));
    expect(saved).toEqual([{ motion: "zoom_in", focus: null, strength: 1.5 }]);
  });
});

describe("QuickPreview", () => {
  it("starts a draft, follows it and plays it", async () => {
    let calls = 0;
    server.use(
      http.post(api("/projects/:id/preview/"), () =>
        HttpResponse.json(preview({ status: "PENDING" }), { status: 202 }),
      ),
      http.get(api("/projects/:id/preview/"), () => {
        calls += 1;
        return HttpResponse.json(
          calls < 2
            ? preview({ status: "NONE" })
            : preview({
                status: "COMPLETED",
                preview_url: `/media/projects/${PROJECT_ID}/preview/preview.mp4?v=7`,
                width: 854,
                height: 480,
                fps: 15,
              }),
        );
      }),
    );
    render(<QuickPreview projectId={PROJECT_ID} />);
    await waitFor(() => expect(calls).toBe(1));
    expect(screen.queryByTestId("quick-preview-video")).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Preview" }));
    const video = await screen.findByTestId("quick-preview-video", undefined, { timeout: 5000 });
    expect(video).toHaveAttribute("src", `${TEST_API}/media/projects/${PROJECT_ID}/preview/preview.mp4?v=7`);
  });

  it("waits for a change still being saved before asking for the draft", async () => {
    server.use(http.get(api("/projects/:id/"), () => HttpResponse.json(makeProjectDetail())));
    await useAppStore.getState().loadProject(PROJECT_ID);
    const events: string[] = [];
    let answerPatch: () => void = () => undefined;
    server.use(
      http.patch(api("/projects/:id/"), async () => {
        await new Promise<void>((resolve) => (answerPatch = resolve));
        events.push("patch answered");
        return HttpResponse.json(makeProject({ framerate: 25 }));
      }),
      http.post(api("/projects/:id/preview/"), () => {
        events.push("preview requested");
        return HttpResponse.json(preview({ status: "PENDING" }), { status: 202 });
      }),
      http.get(api("/projects/:id/preview/"), () => HttpResponse.json(preview({ status: "NONE" }))),
    );
    render(<QuickPreview projectId={PROJECT_ID} />);
    const saving = useAppStore.getState().updateProject({ framerate: 25 });
    await userEvent.click(screen.getByRole("button", { name: "Preview" }));
    expect(screen.getByRole("button", { name: "Making the preview…" })).toBeDisabled();
    expect(events).toEqual([]);
    answerPatch();
    await saving;
    await waitFor(() => expect(events).toEqual(["patch answered", "preview requested"]));
  });

  it("shows why the draft cannot be made", async () => {
    server.use(
      http.post(api("/projects/:id/preview/"), () =>
        HttpResponse.json(
          {
            error: "The project is not ready to render.",
            missing_images: ["s"],
            missing_audio: [],
            message: "x",
          },
          { status: 400 },
        ),
      ),
    );
    render(<QuickPreview projectId={PROJECT_ID} />);
    await userEvent.click(screen.getByRole("button", { name: "Preview" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("not ready");
  });
});
