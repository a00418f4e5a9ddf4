"use client";

import { ClapperboardIcon, Loader2Icon } from "lucide-react";
import { useEffect } from "react";

import { LoadErrorAlert } from "@/components/load-error-alert";
import { CreateProjectDialog } from "@/components/dashboard/create-project-dialog";
import { ImportStoryDialog } from "@/components/dashboard/import-story-dialog";
import { ProjectCard } from "@/components/dashboard/project-card";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useAppStore } from "@/lib/store";
import { pluralize } from "@/lib/utils";

/** While a project renders, its card's status is refreshed this often. */
const LIST_REFRESH_MS = 5_000;

/** The dashboard: every project, with create and import. */
export function ProjectDashboard() {
  const projects = useAppStore((s) => s.projects);
  const count = useAppStore((s) => s.count);
  const listStatus = useAppStore((s) => s.listStatus);
  const listError = useAppStore((s) => s.listError);
  const nextPage = useAppStore((s) => s.nextPage);
  const loadingMore = useAppStore((s) => s.loadingMore);
  const loadProjects = useAppStore((s) => s.loadProjects);
  const loadMoreProjects = useAppStore((s) => s.loadMoreProjects);

  useEffect(() => {
    void loadProjects();
  }, [loadProjects]);

  const anyRendering = projects.some((p) => p.status === "PROCESSING");
  useEffect(() => {
    if (!anyRendering) return;
    const timer = setInterval(() => void loadProjects({ quiet: true }), LIST_REFRESH_MS);
    return () => clearInterval(timer);
  }, [anyRendering, loadProjects]);

  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Projects</h1>
          <p className="text-sm text-muted-foreground">
            {listStatus === "ready" && count > 0
              ? `${pluralize(count, "story", "stories")} in your library`
              : "Turn a written story into a narrated video."}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <ImportStoryDialog />
          <CreateProjectDialog />
        </div>
      </div>

      {listStatus === "error" && listError && (
        <LoadErrorAlert error={listError} onRetry={() => void loadProjects()} />
      )}

      {(listStatus === "loading" || listStatus === "idle") && projects.length === 0 && (
        <ProjectGridSkeleton />
      )}

      {listStatus === "ready" && projects.length === 0 && <EmptyProjects />}

      {projects.length > 0 && (
        <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Projects">
          {projects.map((project) => (
            <li key={project.id} className="grid">
              <ProjectCard project={project} />
            </li>
          ))}
        </ul>
      )}

      {nextPage && (
        <div className="flex justify-center">
          <Button variant="outline" onClick={() => void loadMoreProjects()} disabled={loadingMore}>
            {loadingMore && <Loader2Icon className="animate-spin" aria-hidden="true" />}
            Show more projects
          </Button>
        </div>
      )}
    </div>
  );
}

function EmptyProjects() {
  return (
    <section className="flex flex-col items-center gap-4 rounded-xl border border-dashed px-6 py-16 text-center">
      <span className="flex size-12 items-center justify-center rounded-full bg-muted">
        <ClapperboardIcon className="size-6 text-muted-foreground" aria-hidden="true" />
      </span>
      <div className="grid gap-1">
        <h2 className="text-lg font-semibold">No projects yet</h2>
        <p className="max-w-md text-sm text-muted-foreground">
          Import a story you have already written, or start an empty project and write it segment by segment.
        </p>
      </div>
      <div className="flex flex-wrap justify-center gap-2">
        <ImportStoryDialog />
        <CreateProjectDialog />
      </div>
    </section>
  );
}

function ProjectGridSkeleton() {
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-busy="true" aria-label="Loading projects">
      {Array.from({ length: 3 }, (_, index) => (
        <div key={index} className="overflow-hidden rounded-xl border bg-card">
          <Skeleton className="aspect-video rounded-none" />
          <div className="grid gap-2 p-4">
            <Skeleton className="h-5 w-2/3" />
            <Skeleton className="h-4 w-1/2" />
          </div>
        </div>
      ))}
    </div>
  );
}
