"use client";

import { AudioLinesIcon, Loader2Icon } from "lucide-react";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { Progress } from "@/components/ui/progress";
import { toApiError } from "@/lib/api";
import { useAppStore } from "@/lib/store";
import type { GenerateAllNarrationResponse } from "@/lib/types";
import { pluralize } from "@/lib/utils";

function summarise(result: GenerateAllNarrationResponse): string {
  if (result.task_id === null) {
    if (result.total_segments === 0) return "Add a segment first.";
    const reasons: string[] = [];
    if (result.skipped_existing)
      reasons.push(`${pluralize(result.skipped_existing, "segment")} already narrated`);
    if (result.skipped_locked) reasons.push(`${result.skipped_locked} locked`);
    if (result.skipped_empty) reasons.push(`${result.skipped_empty} without text`);
    return reasons.length ? `Nothing to generate: ${reasons.join(", ")}.` : "Nothing to generate.";
  }
  return `Generating narration for ${pluralize(result.segments_to_process, "segment")}.`;
}

/** "Generate all narration" for every unlocked segment that has text but no narration, with batch progress. */
export function NarrationToolbar({ disabled }: { disabled?: boolean }) {
  const generateAllNarration = useAppStore((s) => s.generateAllNarration);
  const batch = useAppStore((s) => s.batchNarration);
  const [starting, setStarting] = useState(false);
  const [message, setMessage] = useState<{ text: string; isError: boolean } | null>(null);

  const start = async () => {
    setStarting(true);
    setMessage(null);
    try {
      const result = await generateAllNarration();
      setMessage(result.task_id === null ? { text: summarise(result), isError: false } : null);
    } catch (caught) {
      setMessage({ text: toApiError(caught).message, isError: true });
    } finally {
      setStarting(false);
    }
  };

  const running = batch !== null;
  const progress = batch?.progress;

  return (
    <div className="grid gap-3 rounded-xl border bg-card p-4 sm:flex sm:items-center sm:justify-between">
      <div className="grid gap-1">
        <h2 className="text-sm font-semibold">Narration</h2>
        {running ? (
          <div className="grid w-full gap-1.5 sm:w-72">
            <p className="text-sm text-muted-foreground" role="status" aria-live="polite">
              {progress && progress.total_segments > 0
                ? `Generating narration ${Math.min(progress.current_segment + 1, progress.total_segments)} of ${progress.total_segments}…`
                : "Generating narration…"}
            </p>
            <Progress value={progress?.percentage ?? 0} aria-label="Narration progress" />
          </div>
        ) : (
          <p
            className={message?.isError ? "text-sm text-destructive" : "text-sm text-muted-foreground"}
            role={message?.isError ? "alert" : "status"}
          >
            {message?.text ??
              "Generate speech for every segment without narration, or whose text changed since. Locked segments are skipped."}
          </p>
        )}
      </div>
      <Button onClick={() => void start()} disabled={disabled || running || starting} variant="secondary">
        {running || starting ? (
          <Loader2Icon className="animate-spin" aria-hidden="true" />
        ) : (
          <AudioLinesIcon aria-hidden="true" />
        )}
        Generate all narration
      </Button>
    </div>
  );
}
