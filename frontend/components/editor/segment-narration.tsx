"use client";

import { AudioLinesIcon, Loader2Icon, MicIcon, TriangleAlertIcon, UploadIcon } from "lucide-react";
import { useId } from "react";

import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { checkAudioFile } from "@/lib/file-checks";
import { useFileUpload } from "@/lib/hooks/use-file-upload";
import type { Segment } from "@/lib/types";
import { formatDuration } from "@/lib/utils";

export interface SegmentNarrationProps {
  segment: Segment;
  segmentNumber: number;
  /** Narration is being generated for this segment (alone or in a batch). */
  generating: boolean;
  /** Why narration failed last time. */
  generationError?: string;
  disabled?: boolean;
  onGenerate: () => void;
  onUpload: (file: File, onProgress: (fraction: number) => void) => Promise<unknown>;
}

/** The segment's narration: player and duration, generate (text to speech) or upload a recording. */
export function SegmentNarration({
  segment,
  segmentNumber,
  generating,
  generationError,
  disabled,
  onGenerate,
  onUpload,
}: SegmentNarrationProps) {
  const {
    inputRef,
    progress: uploadProgress,
    error: uploadError,
    upload,
  } = useFileUpload({ check: checkAudioFile, errorField: "audio_file", onUpload });
  const errorId = useId();
  const uploading = uploadProgress !== null;
  const busy = generating || uploading;
  const hasText = segment.text_content.trim().length > 0;
  const hasAudio = Boolean(segment.audio_file);
  const stale = hasAudio && segment.audio_matches_text === false;
  const error = uploadError ?? generationError ?? null;

  const generateLabel =
    hasAudio && segment.audio_matches_text !== null ? "Regenerate narration" : "Generate narration";

  return (
    <div className="grid gap-2.5" aria-label={`Narration for segment ${segmentNumber}`} role="group">
      <div className="flex items-center justify-between gap-2">
        <span className="text-sm font-medium">Narration</span>
        {hasAudio && (
          <span className="text-xs text-muted-foreground tabular-nums">
            {segment.audio_matches_text === null ? "Uploaded recording · " : ""}
            <span data-testid={`narration-duration-${segmentNumber}`}>
              {formatDuration(segment.audio_duration)}
            </span>
          </span>
        )}
      </div>

      {hasAudio && segment.audio_file ? (
        <audio
          key={segment.audio_file}
          controls
          preload="metadata"
          src={segment.audio_file}
          className="h-10 w-full"
          aria-label={`Narration audio for segment ${segmentNumber}`}
        />
      ) : (
        !busy && (
          <p className="text-sm text-muted-foreground">
            No narration yet. Generate it from the text or upload a recording.
          </p>
        )
      )}

      {stale && (
        <p
          className="flex items-start gap-2 rounded-md bg-warning px-3 py-2 text-sm text-warning-foreground"
          role="status"
        >
          <TriangleAlertIcon className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
          Text changed since the narration was generated
        </p>
      )}

      {busy && (
        <p className="flex items-center gap-2 text-sm text-muted-foreground" role="status">
          <Loader2Icon className="size-4 animate-spin" aria-hidden="true" />
          {uploading
            ? `Uploading recording… ${Math.round((uploadProgress ?? 0) * 100)}%`
            : "Generating narration…"}
        </p>
      )}

      <div className="flex flex-wrap gap-2">
        <GenerateButton
          label={generateLabel}
          disabledReason={!hasText ? "Write the narration text first" : undefined}
          disabled={disabled || busy}
          onClick={onGenerate}
        />
        <Button
          variant="outline"
          size="sm"
          onClick={() => inputRef.current?.click()}
          disabled={disabled || busy}
          aria-describedby={error ? errorId : undefined}
        >
          <UploadIcon aria-hidden="true" />
          Upload recording
        </Button>
        <input
          ref={inputRef}
          type="file"
          accept="audio/*,.mp3,.wav,.m4a,.ogg,.flac"
          className="sr-only"
          tabIndex={-1}
          aria-label={`Recording for segment ${segmentNumber}`}
          disabled={disabled || busy}
          onChange={(event) => void upload(event.target.files?.[0])}
        />
      </div>
      <FieldError id={errorId}>{error}</FieldError>
    </div>
  );
}

function GenerateButton({
  label,
  disabled,
  disabledReason,
  onClick,
}: {
  label: string;
  disabled?: boolean;
  disabledReason?: string;
  onClick: () => void;
}) {
  const icon = label.startsWith("Regenerate") ? (
    <AudioLinesIcon aria-hidden="true" />
  ) : (
    <MicIcon aria-hidden="true" />
  );
  if (!disabledReason) {
    return (
      <Button variant="secondary" size="sm" onClick={onClick} disabled={disabled}>
        {icon}
        {label}
      </Button>
    );
  }
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span
          tabIndex={0}
          className="inline-flex rounded-md outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          <Button variant="secondary" size="sm" disabled aria-label={`${label} (${disabledReason})`}>
            {icon}
            {label}
          </Button>
        </span>
      </TooltipTrigger>
      <TooltipContent>{disabledReason}</TooltipContent>
    </Tooltip>
  );
}
