"use client";

import { ArrowLeftIcon, Loader2Icon, PlusIcon } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";

import { LoadErrorAlert } from "@/components/load-error-alert";
import { NarrationToolbar } from "@/components/editor/narration-toolbar";
import { MusicSettings } from "@/components/editor/music-settings";
import { CaptionsPanel } from "@/components/editor/captions-panel";
import { ProjectFormatSettings } from "@/components/editor/project-format-settings";
import { ProjectTitleEditor } from "@/components/editor/project-title-editor";
import { ProjectTransitionSettings } from "@/components/editor/project-transition-settings";
import { SegmentCard } from "@/components/editor/segment-card";
import { RenderPanel } from "@/components/render/render-panel";
import { RenderStatusBadge } from "@/components/render/render-status-badge";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { Skeleton } from "@/components/ui/skeleton";
import { toApiError } from "@/lib/api";
import { useAppStore } from "@/lib/store";
import type { ProjectDetail, ProjectStatus } from "@/lib/types";

/** The project editor: title, segments, narration, video format and export. */
export function ProjectEditor({ projectId }: { projectId: string }) {
  const project = useAppStore((s) => s.project);
  const loadStatus = useAppStore((s) => s.loadStatus);
  const loadError = useAppStore((s) => s.loadError);
  const loadProject = useAppStore((s) => s.loadProject);
  const resetProject = useAppStore((s) => s.resetProject);
  const resetRenderState = useAppStore((s) => s.resetRenderState);

  useEffect(() => {
    void loadProject(projectId);
    return () => {
      resetProject();
      resetRenderState();
    };
  }, [projectId, loadProject, resetProject, resetRenderState]);

  if (project?.id === projectId) return <EditorLoaded project={project} />;

  if (loadStatus === "error" && loadError) {
    return (
      <div className="grid max-w-2xl gap-4">
        <BackToProjects />
        <LoadErrorAlert
          error={loadError}
          title={loadError.status === 404 ? "Project not found" : undefined}
          onRetry={loadError.status === 404 ? undefined : () => void loadProject(projectId)}
        />
      </div>
    );
  }

  return <EditorSkeleton />;
}

function BackToProjects() {
  return (
    <Link
      href="/"
      className="inline-flex w-fit items-center gap-1.5 rounded-md text-sm text-muted-foreground outline-none hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring"
    >
      <ArrowLeftIcon className="size-4" aria-hidden="true" />
      All projects
    </Link>
  );
}

/** The project status as the editor sees it: the live render state wins over the loaded snapshot. */
function useLiveStatus(project: ProjectDetail): ProjectStatus {
  const renderStatus = useAppStore((s) => s.renderStatus);
  switch (renderStatus) {
    case "validating":
    case "rendering":
      return "PROCESSING";
    case "completed":
      return "COMPLETED";
    case "failed":
      return project.status === "DRAFT" ? "DRAFT" : "FAILED";
    case "idle":
      return project.status === "PROCESSING" ? "DRAFT" : project.status;
  }
}

function EditorLoaded({ project }: { project: ProjectDetail }) {
  const updateProject = useAppStore((s) => s.updateProject);
  const uploadMusic = useAppStore((s) => s.uploadMusic);
  const renderStatus = useAppStore((s) => s.renderStatus);
  const rendering = renderStatus === "rendering" || renderStatus === "validating";
  const status = useLiveStatus(project);
  const segments = project.segments;

  // "Watch" on the dashboard links to #preview; scroll there once the page has content.
  useEffect(() => {
    if (window.location.hash === "#preview") {
      document.getElementById("preview")?.scrollIntoView({ block: "start" });
    }
  }, []);

  return (
    <div className="grid gap-6">
      <div className="grid gap-3">
        <BackToProjects />
        <div className="flex flex-wrap items-center gap-3">
          <ProjectTitleEditor
            title={project.title}
            disabled={rendering}
            onSave={(title) => updateProject({ title })}
          />
          <RenderStatusBadge status={status} />
        </div>
      </div>

      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <section aria-labelledby="segments-heading" className="grid gap-4">
          <h2 id="segments-heading" className="sr-only">
            Segments
          </h2>
          <NarrationToolbar disabled={rendering || segments.length === 0} />
          {segments.length === 0 && (
            <p className="rounded-xl border border-dashed px-6 py-10 text-center text-sm text-muted-foreground">
              This story has no segments yet. Add one to start writing.
            </p>
          )}
          <ol className="grid gap-4" aria-label="Segments in order">
            {segments.map((segment, index) => (
              <li key={segment.id}>
                <SegmentCard
                  segment={segment}
                  number={index + 1}
                  isFirst={index === 0}
                  isLast={index === segments.length - 1}
                  rendering={rendering}
                />
              </li>
            ))}
          </ol>
          <AddSegmentButton disabled={rendering} />
        </section>

        {/* Sticky beside the segments, and scrollable on its own: the panels are taller than a screen, and a sticky
            column taller than the viewport would hide its last panels until the end of the segment list. */}
        <aside
          className="grid gap-4 lg:sticky lg:top-20 lg:max-h-[calc(100dvh-6rem)] lg:overflow-y-auto lg:overscroll-contain lg:-m-1 lg:p-1"
          aria-label="Export"
        >
          <RenderPanel project={project} />
          <ProjectFormatSettings project={project} disabled={rendering} onSave={updateProject} />
          <ProjectTransitionSettings project={project} disabled={rendering} onSave={updateProject} />
          <MusicSettings
            project={project}
            disabled={rendering}
            onSave={updateProject}
            onUpload={uploadMusic}
          />
          <CaptionsPanel project={project} disabled={rendering} onSave={updateProject} />
        </aside>
      </div>
    </div>
  );
}

function AddSegmentButton({ disabled }: { disabled?: boolean }) {
  const addSegment = useAppStore((s) => s.addSegment);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const add = async () => {
    setPending(true);
    setError(null);
    try {
      const segment = await addSegment();
      requestAnimationFrame(() => document.getElementById(`segment-${segment.id}-text`)?.focus());
    } catch (caught) {
      setError(toApiError(caught).message);
    } finally {
      setPending(false);
    }
  };

  return (
    <div className="grid gap-2">
      <Button
        variant="outline"
        className="h-12 border-dashed"
        onClick={() => void add()}
        disabled={disabled || pending}
      >
        {pending ? (
          <Loader2Icon className="animate-spin" aria-hidden="true" />
        ) : (
          <PlusIcon aria-hidden="true" />
        )}
        Add segment
      </Button>
      <FieldError>{error}</FieldError>
    </div>
  );
}

function EditorSkeleton() {
  return (
    <div className="grid gap-6" aria-busy="true" aria-label="Loading project">
      <Skeleton className="h-4 w-28" />
      <Skeleton className="h-9 w-80 max-w-full" />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="grid gap-4">
          <Skeleton className="h-20" />
          <Skeleton className="h-72" />
          <Skeleton className="h-72" />
        </div>
        <Skeleton className="h-64" />
      </div>
    </div>
  );
}
