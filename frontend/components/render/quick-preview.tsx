"use client";

import { PlayIcon } from "lucide-react";
import { useCallback, useEffect, useRef, useState } from "react";

import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { getPreviewStatus, getVideoUrl, startPreview, toApiError } from "@/lib/api";
import { startPolling } from "@/lib/polling";
import { useAppStore } from "@/lib/store";
import type { PreviewStatus } from "@/lib/types";

/** How often the draft's status is asked for while it is being made. */
const POLL_MS = 1500;

const running = (s: PreviewStatus | null) => s?.status === "PENDING" || s?.status === "RUNNING";

/** The quick preview: a fast low-resolution draft of the video, played here; it never replaces the real video. */
export function QuickPreview({ projectId, disabled }: { projectId: string; disabled?: boolean }) {
  const [status, setStatus] = useState<PreviewStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const settleWrites = useAppStore((s) => s.settleWrites);
  const stopRef = useRef<(() => void) | null>(null);

  const follow = useCallback(() => {
    stopRef.current?.();
    stopRef.current = startPolling(
      async () => {
        const next = await getPreviewStatus(projectId);
        setStatus(next);
        return running(next) ? "continue" : "stop";
      },
      { intervalMs: POLL_MS },
    );
  }, [projectId]);

  useEffect(() => {
    follow();
    return () => stopRef.current?.();
  }, [follow]);

  const start = async () => {
    setError(null);
    setStarting(true);
    try {
      // A change still being saved belongs in the draft.
      const failures = await settleWrites();
      if (failures.length > 0) {
        setError(`No preview: a change could not be saved (${failures[0]}). Correct it, then try again.`);
        return;
      }
      setStatus(await startPreview(projectId));
      follow();
    } catch (caught) {
      setError(toApiError(caught).message);
    } finally {
      setStarting(false);
    }
  };

  const busy = starting || running(status);
  return (
    <Card>
      <CardHeader className="pb-4">
        <CardTitle>Quick preview</CardTitle>
        <CardDescription>A fast, low-resolution draft to check timing and framing.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        <Button variant="outline" disabled={disabled || busy} onClick={() => void start()}>
          <PlayIcon aria-hidden="true" />
          {busy ? "Making the preview…" : "Preview"}
        </Button>
        {busy && status?.progress && (
          <Progress value={status.progress.percentage} aria-label="Preview progress" />
        )}
        {(error ?? status?.error) && (
          <p role="alert" className="text-sm text-destructive">
            {error ?? status?.error}
          </p>
        )}
        {status?.preview_url && (
          <video
            key={status.preview_url}
            data-testid="quick-preview-video"
            src={getVideoUrl(status.preview_url)}
            controls
            preload="metadata"
            className="w-full rounded-md border bg-black"
          />
        )}
      </CardContent>
    </Card>
  );
}
