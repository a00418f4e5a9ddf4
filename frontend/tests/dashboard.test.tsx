import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";

import { ProjectDashboard } from "@/components/dashboard/project-dashboard";
import { TooltipProvider } from "@/components/ui/tooltip";
import { useAppStore } from "@/lib/store";
import type { Project } from "@/lib/types";

import { makeProject, makeProjectDetail } from "./fixtures";
import { api, server, TEST_API } from "./msw";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push, replace: vi.fn(), back: vi.fn(), prefetch: vi.fn() }),
  usePathname: () => "/",
}));

function serveProjects(projects: Project[]) {
  server.use(
    http.get(api("/projects/"), () =>
      HttpResponse.json({ count: projects.length, next: null, previous: null, results: projects }),
    ),
  );
}

function renderDashboard() {
  return render(
    <TooltipProvider>
      <ProjectDashboard />
    </TooltipProvider>,
  );
}

beforeEach(() => {
  push.mockReset();
  useAppStore.setState({
    projects: [],
    count: 0,
    nextPage: null,
    listStatus: "idle",
    listError: null,
  });
});

describe("ProjectDashboard", () => {
  it("lists projects with status, segment count and a Watch action for finished videos", async () => {
    serveProjects([
      makeProject({
        id: "p1",
        title: "Finished story",
        status: "COMPLETED",
        segment_count: 3,
        thumbnail_url: "http://x/1.png",
      }),
      makeProject({ id: "p2", title: "Work in progress", status: "DRAFT", segment_count: 1 }),
    ]);
    renderDashboard();
    const cards = await screen.findAllByTestId("project-card");
    expect(cards).toHaveLength(2);

    const finished = within(cards[0]!);
    expect(finished.getByRole("link", { name: "Finished story" })).toHaveAttribute("href", "/projects/p1");
    expect(finished.getByText(/3 segments/)).toBeInTheDocument();
    expect(finished.getByLabelText("Render status: Completed")).toBeInTheDocument();
    expect(finished.getByRole("link", { name: "Watch Finished story" })).toHaveAttribute(
      "href",
      "/projects/p1#preview",
    );

    const draft = within(cards[1]!);
    expect(draft.getByText(/1 segment\b/)).toBeInTheDocument();
    expect(draft.queryByRole("link", { name: /Watch/ })).toBeNull();
    expect(draft.getByLabelText("Render status: Draft")).toBeInTheDocument();
  });

  it("shows an empty state with both ways to start", async () => {
    serveProjects([]);
    renderDashboard();
    expect(await screen.findByRole("heading", { name: "No projects yet" })).toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: "Import story" }).length).toBeGreaterThan(0);
    expect(screen.getAllByRole("button", { name: "New project" }).length).toBeGreaterThan(0);
  });

  it("says when the backend can't be reached, and retries", async () => {
    server.use(http.get(api("/projects/"), () => HttpResponse.error()));
    renderDashboard();
    expect(
      await screen.findByText(`Cannot reach the StoryReel backend at ${TEST_API}. Is it running?`),
    ).toBeInTheDocument();
    serveProjects([makeProject({ title: "Back again" })]);
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("link", { name: "Back again" })).toBeInTheDocument();
  });

  it("deletes a project after confirmation", async () => {
    serveProjects([makeProject({ id: "p1", title: "Old story" })]);
    let deleted = false;
    server.use(
      http.delete(api("/projects/:id/"), () => {
        deleted = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const user = userEvent.setup();
    renderDashboard();
    await user.click(await screen.findByRole("button", { name: "Delete Old story" }));
    const dialog = await screen.findByRole("alertdialog");
    expect(within(dialog).getByText("Delete “Old story”?")).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Delete project" }));
    await vi.waitFor(() => expect(screen.queryByTestId("project-card")).toBeNull());
    expect(deleted).toBe(true);
  });

  it("imports a pasted story and opens it; server errors appear under the paste area", async () => {
    serveProjects([]);
    let attempts = 0;
    server.use(
      http.post(api("/projects/import/"), async ({ request }) => {
        attempts += 1;
        const body = (await request.json()) as Record<string, unknown>;
        expect(body).toMatchObject({ format: "text", title: "Tide" });
        if (attempts === 1) {
          return HttpResponse.json(
            {
              error: "The story could not be imported",
              details: ["Segment 2: text_content must not be empty"],
            },
            { status: 400 },
          );
        }
        return HttpResponse.json(makeProjectDetail({ id: "new-id", title: "Tide" }), { status: 201 });
      }),
    );
    const user = userEvent.setup();
    renderDashboard();
    await user.click((await screen.findAllByRole("button", { name: "Import story" }))[0]!);
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Title"), "Tide");
    await user.type(within(dialog).getByLabelText("Story text"), "One{enter}---{enter}");
    await user.click(within(dialog).getByRole("button", { name: "Import story" }));

    const error = await within(dialog).findByRole("alert");
    expect(error).toHaveTextContent("The story could not be imported");
    expect(error).toHaveTextContent("Segment 2: text_content must not be empty");
    expect(within(dialog).getByLabelText("Story text")).toHaveAttribute("aria-invalid", "true");
    expect(push).not.toHaveBeenCalled();

    await user.click(within(dialog).getByRole("button", { name: "Import story" }));
    await vi.waitFor(() => expect(push).toHaveBeenCalledWith("/projects/new-id"));
  });

  it("checks pasted JSON before sending it", async () => {
    serveProjects([]);
    const user = userEvent.setup();
    renderDashboard();
    await user.click((await screen.findAllByRole("button", { name: "Import story" }))[0]!);
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("tab", { name: "JSON" }));
    await user.click(within(dialog).getByLabelText("Story JSON"));
    await user.paste("{not json");
    await user.click(within(dialog).getByRole("button", { name: "Import story" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(/That isn't valid JSON/);
  });
});
