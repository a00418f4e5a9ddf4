import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { VideoPreview, withCacheBuster } from "@/components/render/video-preview";

import { OUTPUT_INFO } from "./fixtures";

const SRC = "http://api.storyreel.test/media/projects/p1/output/final.mp4";

describe("VideoPreview", () => {
  it("plays the video with a cache-buster and native controls", () => {
    render(
      <VideoPreview
        src={SRC}
        version={OUTPUT_INFO.rendered_at}
        info={OUTPUT_INFO}
        title="Lighthouse"
        onDownload={() => {}}
      />,
    );
    const video = screen.getByTestId("video-preview");
    expect(video.tagName).toBe("VIDEO");
    expect(video).toHaveAttribute("controls");
    expect(video.getAttribute("src")).toBe(`${SRC}?v=${encodeURIComponent(OUTPUT_INFO.rendered_at)}`);
  });

  it("changes the source after a re-render", () => {
    const { rerender } = render(
      <VideoPreview src={SRC} version="1" info={null} title="Lighthouse" onDownload={() => {}} />,
    );
    const first = screen.getByTestId("video-preview").getAttribute("src");
    rerender(<VideoPreview src={SRC} version="2" info={null} title="Lighthouse" onDownload={() => {}} />);
    const second = screen.getByTestId("video-preview").getAttribute("src");
    expect(second).not.toBe(first);
    expect(second).toMatch(/\?v=2$/);
  });

  it("shows duration, file size, resolution and frame rate", () => {
    render(
      <VideoPreview src={SRC} version="1" info={OUTPUT_INFO} title="Lighthouse" onDownload={() => {}} />,
    );
    expect(screen.getByText("Duration").nextSibling).toHaveTextContent("1:23");
    expect(screen.getByText("File size").nextSibling).toHaveTextContent("12.3 MB");
    expect(screen.getByText("Resolution").nextSibling).toHaveTextContent("640 × 360");
    expect(screen.getByText("Frame rate").nextSibling).toHaveTextContent("30 fps");
  });

  it("offers the download as <title>.mp4", async () => {
    const onDownload = vi.fn();
    render(
      <VideoPreview src={SRC} version="1" info={OUTPUT_INFO} title="Lighthouse" onDownload={onDownload} />,
    );
    await userEvent.click(screen.getByRole("button", { name: "Download Lighthouse.mp4" }));
    expect(onDownload).toHaveBeenCalledTimes(1);
  });

  it("appends to an existing query string", () => {
    expect(withCacheBuster("http://x/v.mp4?a=1", "2025-01-01T00:00:00Z")).toBe(
      "http://x/v.mp4?a=1&v=2025-01-01T00%3A00%3A00Z",
    );
  });
});
