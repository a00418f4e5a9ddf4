import { CheckIcon, CircleAlertIcon, Loader2Icon } from "lucide-react";

import type { AutosaveStatus } from "@/lib/hooks/use-autosave";
import { cn } from "@/lib/utils";

/** "Saving…", "Saved", "Unsaved changes" or the save error, announced politely. */
export function SaveIndicator({
  status,
  error,
  onRetry,
  className,
}: {
  status: AutosaveStatus;
  error: string | null;
  onRetry?: () => void;
  className?: string;
}) {
  return (
    <span
      className={cn("inline-flex min-h-5 items-center gap-1.5 text-xs", className)}
      aria-live="polite"
      data-save-status={status}
    >
      {status === "dirty" && <span className="text-muted-foreground">Unsaved changes</span>}
      {status === "saving" && (
        <>
          <Loader2Icon className="size-3.5 animate-spin text-muted-foreground" aria-hidden="true" />
          <span className="text-muted-foreground">Saving…</span>
        </>
      )}
      {status === "saved" && (
        <>
          <CheckIcon className="size-3.5 text-success" aria-hidden="true" />
          <span className="text-muted-foreground">Saved</span>
        </>
      )}
      {status === "error" && (
        <>
          <CircleAlertIcon className="size-3.5 text-destructive" aria-hidden="true" />
          <span className="text-destructive">Couldn&apos;t save: {error}</span>
          {onRetry && (
            <button
              type="button"
              onClick={onRetry}
              className="font-medium text-foreground underline underline-offset-2"
            >
              Retry
            </button>
          )}
        </>
      )}
    </span>
  );
}
