import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { CaptionsPanel, previewCaptionStyle, previewLine } from "@/components/editor/captions-panel";
import { VideoPreview } from "@/components/render/video-preview";

import { makeProjectDetail, makeSegment } from "./fixtures";

const SRC = "http://api.storyreel.test/media/projects/p1/output/final.mp4";
const CAPTIONS = {
  srt: "http://api.storyreel.test/media/projects/p1/output/captions.srt",
  vtt: "http://api.storyreel.test/media/projects/p1/output/captions.vtt",
};

describe("CaptionsPanel", () => {
  it("shows only the mode while captions are off", () => {
    render(<CaptionsPanel project={makeProjectDetail()} onSave={vi.fn()} />);
    const panel = screen.getByTestId("captions-panel");
    expect(within(panel).getByLabelText("Caption mode")).toHaveTextContent("Off");
    expect(within(panel).queryByLabelText("Font")).toBeNull();
    expect(within(panel).queryByTestId("caption-preview")).toBeNull();
  });

  it("previews a caption over the segment's picture, the spoken word highlighted in word mode", () => {
    const project = makeProjectDetail({
      caption_mode: "word",
      segments: [makeSegment({ text_content: "The keeper climbed the stairs at dusk." })],
    });
    render(<CaptionsPanel project={project} onSave={vi.fn()} />);
    const preview = screen.getByTestId("caption-preview");
    expect(preview).toHaveTextContent("The keeper climbed the stairs at dusk.");
    expect(within(preview).getByText("keeper")).toHaveStyle({ color: "#FFD400" });
    expect(screen.getByLabelText("Spoken word")).toBeInTheDocument();
  });

  it("lays a right-to-left caption out right to left, as the video does", () => {
    const project = makeProjectDetail({
      caption_mode: "word",
      segments: [makeSegment({ text_content: "كان يا ما كان في قديم الزمان." })],
    });
    render(<CaptionsPanel project={project} onSave={vi.fn()} />);
    const caption = screen.getByTestId("caption-preview").querySelector("p");
    expect(caption).toHaveAttribute("dir", "auto"); // the browser takes the direction from the text
    expect(within(screen.getByTestId("caption-preview")).getByText("يا")).toHaveStyle({ color: "#FFD400" });
  });

  it("saves a style change as a partial caption_style", async () => {
    const onSave = vi.fn().mockResolvedValue(undefined);
    render(<CaptionsPanel project={makeProjectDetail({ caption_mode: "sentence" })} onSave={onSave} />);
    const font = screen.getByLabelText("Font");
    await userEvent.clear(font);
    await userEvent.type(font, "DejaVu Sans");
    await userEvent.tab();
    expect(onSave).toHaveBeenCalledWith({ caption_style: { font: "DejaVu Sans" } });
  });

  it("shows the server's reason when a change is refused", async () => {
    const onSave = vi.fn().mockRejectedValue(new Error("The size must be between 16 and 160."));
    render(<CaptionsPanel project={makeProjectDetail({ caption_mode: "sentence" })} onSave={onSave} />);
    const size = screen.getByLabelText("Size");
    await userEvent.clear(size);
    await userEvent.type(size, "500");
    await userEvent.tab();
    expect(onSave).toHaveBeenCalledWith({ caption_style: { size: 500 } });
    expect(await screen.findByText(/between 16 and 160/)).toBeInTheDocument();
  });

  it("cuts the preview line at a word and sizes it by the picture height", () => {
    expect(previewLine("a ".repeat(40))).toHaveLength(41);
    expect(previewLine("Short one.")).toBe("Short one.");
    const css = previewCaptionStyle(makeProjectDetail().caption_style as never);
    expect(css.bottom).toBe("5%");
    expect(String(css.fontSize)).toMatch(/cqh$/);
  });
});

describe("VideoPreview with captions", () => {
  it("lists the WebVTT captions as a text track (off: they are burned in) and offers SRT and VTT", async () => {
    render(
      <VideoPreview
        src={SRC}
        version="7"
        info={null}
        title="Lighthouse"
        onDownload={() => {}}
        captions={CAPTIONS}
      />,
    );
    const video = screen.getByTestId("video-preview");
    expect(video).toHaveAttribute("crossorigin", "anonymous");
    const track = video.querySelector("track");
    expect(track).not.toBeNull();
    expect(track).toHaveAttribute("kind", "captions");
    expect(track).not.toHaveAttribute("default");
    expect(track?.getAttribute("src")).toBe(`${CAPTIONS.vtt}?v=7`);
    await userEvent.click(screen.getByRole("button", { name: "Captions" }));
    expect(await screen.findByRole("menuitem", { name: "Captions (SRT)" })).toBeInTheDocument();
    expect(screen.getByRole("menuitem", { name: "Captions (WebVTT)" })).toBeInTheDocument();
  });

  it("has no track and no captions menu without captions", () => {
    render(<VideoPreview src={SRC} version="7" info={null} title="Lighthouse" onDownload={() => {}} />);
    expect(screen.getByTestId("video-preview").querySelector("track")).toBeNull();
    expect(screen.queryByRole("button", { name: "Captions" })).toBeNull();
  });
});
