import { CheckCircle2Icon, CircleAlertIcon, PencilLineIcon } from "lucide-react";

import { Badge } from "@/components/ui/badge";
import type { ProjectStatus } from "@/lib/types";
import { cn } from "@/lib/utils";

const STATUS_APPEARANCE: Record<ProjectStatus, { label: string; className: string }> = {
  DRAFT: {
    label: "Draft",
    className:
      "border-zinc-200 bg-zinc-100 text-zinc-700 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-200",
  },
  PROCESSING: {
    label: "Rendering",
    className: "border-sky-200 bg-sky-50 text-sky-800 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-200",
  },
  COMPLETED: {
    label: "Completed",
    className:
      "border-emerald-200 bg-emerald-50 text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200",
  },
  FAILED: {
    label: "Failed",
    className: "border-red-200 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200",
  },
};

export function renderStatusLabel(status: ProjectStatus): string {
  return STATUS_APPEARANCE[status].label;
}

/** The project's render status as a coloured pill; PROCESSING pulses. */
export function RenderStatusBadge({ status, className }: { status: ProjectStatus; className?: string }) {
  const { label, className: appearance } = STATUS_APPEARANCE[status];
  return (
    <Badge
      variant="outline"
      data-status={status}
      className={cn(appearance, className)}
      aria-label={`Render status: ${label}`}
    >
      {status === "DRAFT" && <PencilLineIcon aria-hidden="true" />}
      {status === "PROCESSING" && (
        <span className="relative flex size-2" aria-hidden="true" data-testid="status-pulse">
          <span className="absolute inline-flex size-full animate-ping rounded-full bg-sky-500 opacity-75 motion-reduce:animate-none" />
          <span className="relative inline-flex size-2 rounded-full bg-sky-500" />
        </span>
      )}
      {status === "COMPLETED" && <CheckCircle2Icon aria-hidden="true" />}
      {status === "FAILED" && <CircleAlertIcon aria-hidden="true" />}
      {label}
    </Badge>
  );
}
