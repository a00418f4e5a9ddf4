"use client";

import { Loader2Icon, WifiOffIcon } from "lucide-react";
import { useEffect } from "react";

import { Progress } from "@/components/ui/progress";
import { useAppStore } from "@/lib/store";
import type { ProgressRecord } from "@/lib/types";

/** "Segment 2 of 5 (40%)". */
export function describeRenderProgress(progress: ProgressRecord): string {
  return `Segment ${progress.current_segment} of ${progress.total_segments} (${progress.percentage}%)`;
}

/** Seconds left → "40 s" under a minute, else "3 min" (rounded; an estimate needs no more precision). */
export function formatEta(seconds: number): string {
  if (seconds < 59.5) return `${Math.max(1, Math.round(seconds))} s`;
  return `${Math.round(seconds / 60)} min`;
}

/**
 * Live progress of the project's render. While the render runs it polls the status endpoint every 3 s
 * (through the render store); polling stops when the render completes or fails, and when this unmounts.
 */
export function RenderProgress({ projectId }: { projectId: string }) {
  const renderStatus = useAppStore((s) => s.renderStatus);
  const progress = useAppStore((s) => s.renderProgress);
  const pollError = useAppStore((s) => s.pollError);
  const pollRenderStatus = useAppStore((s) => s.pollRenderStatus);
  const stopPolling = useAppStore((s) => s.stopPolling);

  const rendering = renderStatus === "rendering";
  useEffect(() => {
    if (!rendering) return;
    pollRenderStatus(projectId);
    return () => stopPolling();
  }, [rendering, projectId, pollRenderStatus, stopPolling]);

  if (renderStatus !== "rendering" && renderStatus !== "validating") return null;

  const phase =
    renderStatus === "validating"
      ? "Checking segments…"
      : (progress?.current_phase ?? "Waiting for the render to start…");
  const percentage = progress?.percentage ?? 0;

  return (
    <section aria-label="Render progress" className="grid gap-2.5" data-testid="render-progress">
      <div className="flex items-center justify-between gap-3 text-sm">
        <span className="flex min-w-0 items-center gap-2 font-medium">
          <Loader2Icon className="size-4 shrink-0 animate-spin text-muted-foreground" aria-hidden="true" />
          <span className="truncate" data-testid="render-phase">
            {phase}
          </span>
        </span>
        {progress?.eta_seconds != null && progress.eta_seconds > 0 && (
          <span className="shrink-0 text-xs text-muted-foreground tabular-nums" data-testid="render-eta">
            about {formatEta(progress.eta_seconds)} left
          </span>
        )}
      </div>
      <Progress value={percentage} aria-label="Render progress" aria-valuetext={`${percentage}%`} />
      <p
        className="text-sm text-muted-foreground tabular-nums"
        role="status"
        aria-live="polite"
        data-testid="render-progress-text"
      >
        {progress ? describeRenderProgress(progress) : "Preparing render…"}
      </p>
      {pollError && (
        <p className="flex items-center gap-2 text-xs text-destructive" role="alert">
          <WifiOffIcon className="size-3.5" aria-hidden="true" />
          {pollError}
        </p>
      )}
    </section>
  );
}
