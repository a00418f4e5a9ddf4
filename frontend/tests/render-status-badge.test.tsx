import { render, screen } from "@testing-library/react";

import { RenderStatusBadge } from "@/components/render/render-status-badge";
import type { ProjectStatus } from "@/lib/types";

describe("RenderStatusBadge", () => {
  const cases: Array<[ProjectStatus, string, string]> = [
    ["DRAFT", "Draft", "bg-zinc-100"],
    ["PROCESSING", "Rendering", "bg-sky-50"],
    ["COMPLETED", "Completed", "bg-emerald-50"],
    ["FAILED", "Failed", "bg-red-50"],
  ];

  it.each(cases)("%s reads %s in its own colour", (status, label, colour) => {
    render(<RenderStatusBadge status={status} />);
    const badge = screen.getByLabelText(`Render status: ${label}`);
    expect(badge).toHaveTextContent(label);
    expect(badge).toHaveAttribute("data-status", status);
    expect(badge.className).toContain(colour);
  });

  it("pulses only while processing", () => {
    const { rerender } = render(<RenderStatusBadge status="PROCESSING" />);
    expect(screen.getByTestId("status-pulse").innerHTML).toContain("animate-ping");
    rerender(<RenderStatusBadge status="COMPLETED" />);
    expect(screen.queryByTestId("status-pulse")).toBeNull();
  });

  it("uses a different colour for every status", () => {
    const classes = cases.map(([status]) => {
      const { unmount } = render(<RenderStatusBadge status={status} />);
      const className = screen.getByLabelText(/Render status/).className;
      unmount();
      return className;
    });
    expect(new Set(classes).size).toBe(cases.length);
  });
});
