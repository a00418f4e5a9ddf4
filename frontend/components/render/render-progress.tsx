"use client";

import { Loader2Icon, SquareIcon, WifiOffIcon } from "lucide-react";
import { useEffect } from "react";

import { Button } from "@/components/ui/button";
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
 * Live progress of the project's render, with Cancel next to the bar. While the render runs it polls the status
 * endpoint every 3 s (through the render store); polling stops when the render completes, fails or is cancelled,
 * and when this unmounts. Cancel reads "Cancelling…" and is disabled from the click until the render has stopped.
 */
export function RenderProgress({ projectId }: { projectId: string }) {
  const renderStatus = useAppStore((s) => s.renderStatus);
  const progress = useAppStore((s) => s.renderProgress);
  const pollError = useAppStore((s) => s.pollError);
  const cancelling = useAppStore((s) => s.renderCancelling);
  const cancelError = useAppStore((s) => s.cancelError);
  const pollRenderStatus = useAppStore((s) => s.pollRenderStatus);
  const stopPolling = useAppStore((s) => s.stopPolling);
  const cancelRender = useAppStore((s) => s.cancelRender);
  const pendingWrites = useAppStore((s) => s.pendingWrites);

  const rendering = renderStatus === "rendering";
  useEffect(() => {
    if (!rendering) return;
    pollRenderStatus(projectId);
    return () => stopPolling();
  }, [rendering, projectId, pollRenderStatus, stopPolling]);

  if (renderStatus !== "rendering" && renderStatus !== "validating") return null;

  const phase =
    renderStatus === "validating"
      ? pendingWrites > 0
        ? "Saving your last changes first…"
        : "Checking segments…"
      : cancelling
        ? "Cancelling the render…"
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
      <div className="flex items-center gap-3">
        <Progress
          className="flex-1"
          value={percentage}
          aria-label="Render progress"
          aria-valuetext={`${percentage}%`}
        />
        {/* Only once the server has accepted the render: before that there is nothing to cancel. */}
        {rendering && (
          <Button
            variant="outline"
            size="sm"
            disabled={cancelling}
            aria-busy={cancelling || undefined}
            onClick={() => void cancelRender(projectId)}
          >
            {cancelling ? (
              <Loader2Icon className="animate-spin" aria-hidden="true" />
            ) : (
              <SquareIcon className="size-3 fill-current" aria-hidden="true" />
            )}
            {cancelling ? "Cancelling…" : "Cancel"}
          </Button>
        )}
      </div>
      <p
        className="text-sm text-muted-foreground tabular-nums"
        role="status"
        aria-live="polite"
        data-testid="render-progress-text"
      >
        {progress ? describeRenderProgress(progress) : "Preparing render…"}
      </p>
      {cancelError && (
        <p className="text-xs text-destructive" role="alert">
          {cancelError}
        </p>
      )}
      {pollError && (
        <p className="flex items-center gap-2 text-xs text-destructive" role="alert">
          <WifiOffIcon className="size-3.5" aria-hidden="true" />
          {pollError}
        </p>
      )}
    </section>
  );
}
