import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";

import { ProjectTransitionSettings } from "@/components/editor/project-transition-settings";
import { SegmentCard } from "@/components/editor/segment-card";
import { moveOrder, shownImageCount } from "@/components/editor/segment-images";
import { TooltipProvider } from "@/components/ui/tooltip";
import { useAppStore } from "@/lib/store";
import type { Segment } from "@/lib/types";

import { makeProjectDetail, makeSegment } from "./fixtures";
import { api, server } from "./msw";

const IMG = (n: number) => `http://api.storyreel.test/media/projects/p/images/${n}.png`;

function StoreSegmentCard() {
  const segment = useAppStore((s) => s.project?.segments[0]);
  return segment ? <SegmentCard segment={segment} number={1} isFirst isLast rendering={false} /> : null;
}

function renderCard(segment: Segment) {
  useAppStore.setState({ project: makeProjectDetail({ segments: [segment] }), loadStatus: "ready" });
  return render(
    <TooltipProvider>
      <StoreSegmentCard />
    </TooltipProvider>,
  );
}

afterEach(() => useAppStore.getState().resetProject());

describe("moveOrder", () => {
  it("gives the reorder endpoint the current indices in the new order", () => {
    expect(moveOrder(3, 2, 1)).toEqual([0, 2, 1]);
    expect(moveOrder(3, 0, 1)).toEqual([1, 0, 2]);
    expect(moveOrder(2, 1, 0)).toEqual([1, 0]);
  });
});

describe("shownImageCount", () => {
  it("shows as many pictures as the narration has room for at min_shot each, at least one", () => {
    expect(shownImageCount(7.5, 3, 2.5)).toBe(3); // exactly three shots of 2.5 s
    expect(shownImageCount(7.49, 3, 2.5)).toBe(2);
    expect(shownImageCount(4.2, 3, 2.5)).toBe(1);
    expect(shownImageCount(1.0, 2, 2.5)).toBe(1); // a short narration still shows its first picture
    expect(shownImageCount(30, 3, 2.5)).toBe(3);
    expect(shownImageCount(3.9, 3, 1.2)).toBe(3);
  });
});

describe("SegmentImages in the segment card", () => {
  it("says which pictures a too-short narration leaves out, and nothing when all fit", () => {
    const images = [IMG(1), IMG(2), IMG(3)];
    const short = renderCard(makeSegment({ images, image_file: IMG(1), audio_duration: 5.2 }));
    expect(screen.getByTestId("images-not-shown-1")).toHaveTextContent(
      "The narration (5.2 s) has room for 2 of them: each picture stays at least 2.5 s, so picture 3 is not shown.",
    );
    short.unmount();
    renderCard(makeSegment({ images, image_file: IMG(1), audio_duration: 7.6 }));
    expect(screen.queryByTestId("images-not-shown-1")).toBeNull();
  });

  it("says nothing before the segment has a narration", () => {
    renderCard(
      makeSegment({ images: [IMG(1), IMG(2)], image_file: IMG(1), audio_file: null, audio_duration: null }),
    );
    expect(screen.queryByTestId("images-not-shown-1")).toBeNull();
  });

  it("adds a picture through POST /segments/{id}/images/ and shows the server's list", async () => {
    const seg = makeSegment({ images: [IMG(1)], image_file: IMG(1) });
    const posted: { size: number }[] = [];
    server.use(
      http.post(api("/segments/:id/images/"), async ({ request }) => {
        const file = (await request.formData()).get("image_file");
        if (file && typeof file !== "string") posted.push({ size: file.size });
        return HttpResponse.json({ ...seg, images: [IMG(1), IMG(2)] });
      }),
    );
    renderCard(seg);
    const file = new File([new Uint8Array([137, 80, 78, 71])], "second.png", { type: "image/png" });
    await userEvent.upload(screen.getByTestId("extra-image-input-1"), file);
    await waitFor(() => expect(screen.getByAltText("Picture 2 of segment 1")).toBeInTheDocument());
    expect(posted).toEqual([{ size: 4 }]); // the file itself, as multipart image_file
    expect(useAppStore.getState().project?.segments[0]?.images).toEqual([IMG(1), IMG(2)]);
  });

  it("moves and removes pictures, and shows the server's refusal", async () => {
    const seg = makeSegment({ images: [IMG(1), IMG(2), IMG(3)], image_file: IMG(1) });
    const orders: unknown[] = [];
    server.use(
      http.post(api("/segments/:id/images/reorder/"), async ({ request }) => {
        orders.push(await request.json());
        return HttpResponse.json({ ...seg, images: [IMG(1), IMG(3), IMG(2)] });
      }),
      http.delete(api("/segments/:id/images/:index/"), () =>
        HttpResponse.json({ error: "This segment is locked; unlock it to change it." }, { status: 409 }),
      ),
    );
    renderCard(seg);
    expect(screen.queryByTestId("extra-image-input-1")).toBeNull(); // three already: no more
    await userEvent.click(screen.getByRole("button", { name: "Show picture 3 earlier" }));
    await waitFor(() => expect(orders).toEqual([{ order: [0, 2, 1] }]));
    expect(useAppStore.getState().project?.segments[0]?.images).toEqual([IMG(1), IMG(3), IMG(2)]);
    expect(screen.getByRole("button", { name: "Show picture 1 earlier" })).toBeDisabled();

    await userEvent.click(screen.getByRole("button", { name: "Remove picture 2" }));
    expect(await screen.findByText("This segment is locked; unlock it to change it.")).toBeInTheDocument();
  });
});

describe("ProjectTransitionSettings", () => {
  it("saves the duration with the kind, and refuses a duration the server would refuse", async () => {
    const saved: unknown[] = [];
    const project = makeProjectDetail({ transition: { kind: "crossfade", duration: 0.5 } });
    render(
      <ProjectTransitionSettings
        project={project}
        onSave={async (patch) => {
          saved.push(patch);
        }}
      />,
    );
    const duration = screen.getByLabelText("Seconds");
    await userEvent.clear(duration);
    await userEvent.type(duration, "0.8{Enter}");
    expect(saved).toEqual([{ transition: { kind: "crossfade", duration: 0.8 } }]);
    await userEvent.clear(duration);
    await userEvent.type(duration, "5{Enter}");
    expect(screen.getByText(/at most 2 seconds/)).toBeInTheDocument();
    expect(saved).toHaveLength(1);
  });

  it("has no duration to set for cuts", () => {
    render(<ProjectTransitionSettings project={makeProjectDetail()} onSave={async () => undefined} />);
    expect(screen.getByLabelText("Seconds")).toBeDisabled();
    expect(screen.getByTestId("transition-kind")).toHaveTextContent("Cut");
  });
});
