import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { RenderButton, type RenderButtonProps } from "@/components/render/render-button";
import { TooltipProvider } from "@/components/ui/tooltip";

function renderButton(props: Partial<RenderButtonProps> = {}) {
  const handlers = { onRender: vi.fn(), onDownload: vi.fn() };
  const user = userEvent.setup();
  render(
    <TooltipProvider delayDuration={0}>
      <RenderButton status="idle" blockers={[]} {...handlers} {...props} />
    </TooltipProvider>,
  );
  return { ...handlers, user };
}

describe("RenderButton", () => {
  it("Ready: Export Video starts a render", async () => {
    const { onRender, user } = renderButton();
    const button = screen.getByRole("button", { name: "Export Video" });
    expect(button).toBeEnabled();
    await user.click(button);
    expect(onRender).toHaveBeenCalledTimes(1);
  });

  it("Not Ready: disabled, and says which segments lack an image or narration", async () => {
    const { onRender, user } = renderButton({
      blockers: ["Segment 2 needs an image", "Segment 3 needs narration"],
    });
    const button = screen.getByRole("button", { name: "Export Video" });
    expect(button).toBeDisabled();

    const reason = "Segment 2 needs an image; Segment 3 needs narration";
    // Always available to assistive technology…
    expect(screen.getByText(`Not ready to render: ${reason}`)).toBeInTheDocument();
    // …and as a tooltip when the button is reached with the keyboard (or hovered).
    await user.tab();
    expect(await screen.findByRole("tooltip")).toHaveTextContent(reason);

    await user.click(button);
    expect(onRender).not.toHaveBeenCalled();
  });

  it("Rendering: disabled with a spinner", () => {
    renderButton({ status: "rendering" });
    const button = screen.getByRole("button", { name: "Rendering…" });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute("aria-busy", "true");
    expect(button.querySelector(".animate-spin")).not.toBeNull();
  });

  it("Validating: disabled while the render is being started", () => {
    renderButton({ status: "validating" });
    expect(screen.getByRole("button", { name: "Starting render…" })).toBeDisabled();
  });

  it("Complete: Download Video, and Re-Render in the menu", async () => {
    const { onDownload, onRender, user } = renderButton({ status: "completed" });
    await user.click(screen.getByRole("button", { name: "Download Video" }));
    expect(onDownload).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole("button", { name: "More render options" }));
    await user.click(await screen.findByRole("menuitem", { name: "Re-Render" }));
    expect(onRender).toHaveBeenCalledTimes(1);
  });

  it("Complete but no longer ready: Re-Render is disabled and explains why", async () => {
    const { onRender, user } = renderButton({ status: "completed", blockers: ["Segment 1 needs narration"] });
    await user.click(screen.getByRole("button", { name: "More render options" }));
    const item = await screen.findByRole("menuitem", { name: "Re-Render" });
    expect(item).toHaveAttribute("aria-disabled", "true");
    expect(screen.getByText("Segment 1 needs narration")).toBeInTheDocument();
    expect(onRender).not.toHaveBeenCalled();
  });

  it("Failed: Retry Render with the reason visible", async () => {
    const { onRender, user } = renderButton({ status: "failed", error: "ffmpeg exited with code 1" });
    expect(screen.getByRole("alert")).toHaveTextContent("The render failed: ffmpeg exited with code 1");
    await user.click(screen.getByRole("button", { name: "Retry Render" }));
    expect(onRender).toHaveBeenCalledTimes(1);
  });
});
