import { act, fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";

import { SegmentCard } from "@/components/editor/segment-card";
import { TooltipProvider } from "@/components/ui/tooltip";
import { useAppStore } from "@/lib/store";
import type { Segment } from "@/lib/types";

import { makeProjectDetail, makeSegment } from "./fixtures";
import { api, server } from "./msw";

/** The card fed from the store, as the editor does. */
function StoreSegmentCard({ rendering }: { rendering: boolean }) {
  const segment = useAppStore((s) => s.project?.segments[0]);
  return segment ? <SegmentCard segment={segment} number={1} isFirst isLast rendering={rendering} /> : null;
}

function renderCard(segment: Segment, rendering = false) {
  useAppStore.setState({ project: makeProjectDetail({ segments: [segment] }), loadStatus: "ready" });
  return render(
    <TooltipProvider>
      <StoreSegmentCard rendering={rendering} />
    </TooltipProvider>,
  );
}

afterEach(() => {
  useAppStore.getState().resetProject();
  vi.useRealTimers();
});

describe("SegmentCard", () => {
  it("shows the narration player with its duration", () => {
    renderCard(makeSegment({ audio_duration: 7.4 }));
    expect(screen.getByLabelText("Narration audio for segment 1")).toHaveAttribute("controls");
    expect(screen.getByTestId("narration-duration-1")).toHaveTextContent("0:07");
  });

  it("warns when the text changed since the narration was generated", () => {
    renderCard(makeSegment({ audio_matches_text: false }));
    expect(screen.getByText("Text changed since the narration was generated")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Regenerate narration" })).toBeEnabled();
  });

  it("marks an uploaded recording and has no warning", () => {
    renderCard(makeSegment({ audio_matches_text: null }));
    expect(screen.getByText(/Uploaded recording/)).toBeInTheDocument();
    expect(screen.queryByText("Text changed since the narration was generated")).toBeNull();
  });

  it("saves the narration text shortly after typing stops", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const saved: unknown[] = [];
    server.use(
      http.patch(api("/segments/:id/"), async ({ request }) => {
        const body = (await request.json()) as { text_content: string };
        saved.push(body);
        return HttpResponse.json(makeSegment({ text_content: body.text_content, audio_matches_text: false }));
      }),
    );
    renderCard(makeSegment({ text_content: "Old" }));
    const textarea = screen.getByLabelText("Narration text");
    fireEvent.change(textarea, { target: { value: "New words" } });
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    fireEvent.change(textarea, { target: { value: "New words here" } });

    await act(() => vi.advanceTimersByTimeAsync(799));
    expect(saved).toHaveLength(0);
    await act(() => vi.advanceTimersByTimeAsync(1));
    for (let i = 0; i < 20; i += 1) await act(() => vi.advanceTimersByTimeAsync(0));

    expect(saved).toEqual([{ text_content: "New words here" }]);
    expect(screen.getByText("Saved")).toBeInTheDocument();
    expect(useAppStore.getState().project?.segments[0]?.text_content).toBe("New words here");
    expect(screen.getByText("Text changed since the narration was generated")).toBeInTheDocument();
  });

  it("shows the server's reason when an image is refused", async () => {
    server.use(
      http.patch(api("/segments/:id/"), () =>
        HttpResponse.json(
          { error: "Invalid image", image_file: ["The image could not be read"] },
          { status: 400 },
        ),
      ),
    );
    renderCard(makeSegment({ image_file: null }));
    const input = screen.getByLabelText("Image file for segment 1");
    await userEvent.upload(input, new File(["not really"], "photo.png", { type: "image/png" }));
    expect(await screen.findByText("The image could not be read")).toBeInTheDocument();
  });

  it("refuses a non-image before uploading", async () => {
    renderCard(makeSegment({ image_file: null }));
    const input = screen.getByLabelText("Image file for segment 1");
    await userEvent.upload(input, new File(["x"], "notes.txt", { type: "text/plain" }), {
      applyAccept: false,
    });
    expect(
      await screen.findByText("“notes.txt” is not an image. Use a PNG, JPEG or WebP file."),
    ).toBeInTheDocument();
  });

  it("locks editing while locked or rendering", () => {
    const { unmount } = renderCard(makeSegment({ is_locked: true }));
    expect(screen.getByLabelText("Narration text")).toBeDisabled();
    expect(screen.getByRole("switch", { name: "Lock" })).toBeChecked();
    expect(screen.getByRole("button", { name: "Delete segment 1" })).toBeDisabled();
    unmount();

    renderCard(makeSegment(), true);
    expect(screen.getByLabelText("Narration text")).toBeDisabled();
    expect(screen.getByRole("button", { name: "Replace image" })).toBeDisabled();
  });
});
