"use client";

import {
  ChevronDownIcon,
  DownloadIcon,
  FilmIcon,
  Loader2Icon,
  RefreshCwIcon,
  RotateCcwIcon,
} from "lucide-react";
import { useId, type ReactNode } from "react";

import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import type { RenderUiStatus } from "@/lib/store";

export interface RenderButtonProps {
  status: RenderUiStatus;
  /** Why the project can't be rendered yet, e.g. ["Segment 2 needs an image"]; empty when ready. */
  blockers: readonly string[];
  /** The reason of the last failure, shown in the Failed state. */
  error?: string | null;
  onRender: () => void;
  onDownload: () => void;
}

/** The one render action, in whichever state the project is: Export, Not ready, Rendering, Download, Retry. */
export function RenderButton({ status, blockers, error, onRender, onDownload }: RenderButtonProps) {
  const blocked = blockers.length > 0;

  if (status === "validating" || status === "rendering") {
    return (
      <Button size="lg" className="w-full" disabled aria-busy="true">
        <Loader2Icon className="animate-spin" aria-hidden="true" />
        {status === "validating" ? "Starting render…" : "Rendering…"}
      </Button>
    );
  }

  if (status === "completed") {
    return (
      <div className="flex w-full">
        <Button size="lg" className="flex-1 rounded-r-none" onClick={onDownload}>
          <DownloadIcon aria-hidden="true" />
          Download Video
        </Button>
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button
              size="lg"
              className="rounded-l-none border-l border-primary-foreground/20 px-3"
              aria-label="More render options"
            >
              <ChevronDownIcon aria-hidden="true" />
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="end">
            <DropdownMenuItem disabled={blocked} onSelect={onRender}>
              <RefreshCwIcon aria-hidden="true" />
              Re-Render
            </DropdownMenuItem>
            {blocked && (
              <p className="max-w-56 px-2 pb-1.5 text-xs text-muted-foreground">{blockers.join("; ")}</p>
            )}
          </DropdownMenuContent>
        </DropdownMenu>
      </div>
    );
  }

  if (status === "failed") {
    return (
      <div className="grid w-full gap-2">
        <BlockableButton
          label="Retry Render"
          icon={<RotateCcwIcon aria-hidden="true" />}
          blockers={blockers}
          onClick={onRender}
        />
        {error && (
          <p
            role="alert"
            className="rounded-md border border-destructive/30 bg-destructive/5 px-3 py-2 text-sm text-destructive"
          >
            <span className="font-medium">The render failed: </span>
            {error}
          </p>
        )}
      </div>
    );
  }

  return (
    <BlockableButton
      label="Export Video"
      icon={<FilmIcon aria-hidden="true" />}
      blockers={blockers}
      onClick={onRender}
    />
  );
}

/** A full-width action that, when blocked, is disabled and explains why in a tooltip (and to screen readers). */
function BlockableButton({
  label,
  icon,
  blockers,
  onClick,
}: {
  label: string;
  icon: ReactNode;
  blockers: readonly string[];
  onClick: () => void;
}) {
  const reasonId = useId();
  if (blockers.length === 0) {
    return (
      <Button size="lg" className="w-full" onClick={onClick}>
        {icon}
        {label}
      </Button>
    );
  }
  const reason = blockers.join("; ");
  return (
    <Tooltip>
      {/* A disabled button gets no pointer or focus events, so the wrapper carries the tooltip. */}
      <TooltipTrigger asChild>
        <span
          tabIndex={0}
          className="block w-full rounded-md outline-none focus-visible:ring-2 focus-visible:ring-ring"
          aria-describedby={reasonId}
        >
          <Button size="lg" className="w-full" disabled>
            {icon}
            {label}
          </Button>
        </span>
      </TooltipTrigger>
      <TooltipContent side="bottom">{reason}</TooltipContent>
      <span id={reasonId} className="sr-only">
        Not ready to render: {reason}
      </span>
    </Tooltip>
  );
}
