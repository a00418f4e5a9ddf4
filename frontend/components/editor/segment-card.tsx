"use client";

import { ArrowDownIcon, ArrowUpIcon, CheckIcon, CircleDashedIcon, LockIcon } from "lucide-react";
import { useState } from "react";

import { AutosaveTextarea } from "@/components/editor/autosave-textarea";
import { CopyButton } from "@/components/editor/copy-button";
import { DeleteSegmentButton } from "@/components/editor/delete-segment-button";
import { SegmentCamera } from "@/components/editor/segment-camera";
import { SegmentImageDropZone } from "@/components/editor/segment-image-drop-zone";
import { SegmentImages } from "@/components/editor/segment-images";
import { SegmentNarration } from "@/components/editor/segment-narration";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { toApiError } from "@/lib/api";
import { useAppStore } from "@/lib/store";
import type { Segment } from "@/lib/types";
import { cn } from "@/lib/utils";

/** The up/down buttons. */
const MOVES = [
  { offset: -1, direction: "up", Icon: ArrowUpIcon },
  { offset: 1, direction: "down", Icon: ArrowDownIcon },
] as const;

/** The segment's two autosaved texts. */
const TEXT_FIELDS = [
  {
    field: "text_content",
    idSuffix: "text",
    label: "Narration text",
    placeholder: "What the narrator says while this image is on screen.",
    textareaClassName: "min-h-24",
    copyable: false,
  },
  {
    field: "image_prompt",
    idSuffix: "prompt",
    label: "Image prompt",
    placeholder: "A description of the picture, for your image generator.",
    textareaClassName: "min-h-16 text-muted-foreground",
    copyable: true,
  },
] as const;

export interface SegmentCardProps {
  segment: Segment;
  /** 1-based position. */
  number: number;
  isFirst: boolean;
  isLast: boolean;
  /** A render is running: files and text can't change. */
  rendering: boolean;
}

/** One segment of the story: image, narration text, image prompt and narration, with order/lock/delete controls. */
export function SegmentCard({ segment, number, isFirst, isLast, rendering }: SegmentCardProps) {
  const saveSegment = useAppStore((s) => s.saveSegment);
  const uploadImage = useAppStore((s) => s.uploadImage);
  const addImage = useAppStore((s) => s.addImage);
  const removeImage = useAppStore((s) => s.removeImage);
  const reorderImages = useAppStore((s) => s.reorderImages);
  const uploadAudio = useAppStore((s) => s.uploadAudio);
  const deleteSegment = useAppStore((s) => s.deleteSegment);
  const minShot = useAppStore((s) => s.project?.min_shot);
  const moveSegment = useAppStore((s) => s.moveSegment);
  const generateNarration = useAppStore((s) => s.generateNarration);
  const narrationPending = useAppStore(
    (s) =>
      Boolean(s.narrationPending[segment.id]) ||
      Boolean(s.batchNarration?.pendingSegmentIds.includes(segment.id)),
  );
  const narrationError = useAppStore((s) => s.narrationErrors[segment.id]);
  const [actionError, setActionError] = useState<string | null>(null);
  const [lockPending, setLockPending] = useState(false);

  const locked = segment.is_locked;
  const editable = !locked && !rendering;
  const headingId = `segment-${segment.id}-heading`;
  const lockId = `segment-${segment.id}-lock`;
  const disabledReason = rendering
    ? "The video is rendering"
    : locked
      ? "Unlock the segment to change it"
      : undefined;

  const run = async (action: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await action();
    } catch (caught) {
      setActionError(toApiError(caught).message);
    }
  };

  const toggleLock = async (next: boolean) => {
    setLockPending(true);
    await run(() => saveSegment(segment.id, { is_locked: next }));
    setLockPending(false);
  };

  return (
    <Card
      aria-labelledby={headingId}
      className={cn("overflow-hidden", locked && "border-dashed")}
      data-testid="segment-card"
      data-segment-id={segment.id}
    >
      <div className="flex flex-wrap items-center justify-between gap-3 border-b bg-muted/40 px-4 py-2.5">
        <div className="flex items-center gap-3">
          <h3 id={headingId} className="text-sm font-semibold">
            Segment {number}
          </h3>
          <ReadinessChip done={Boolean(segment.image_file)} label="Image" />
          <ReadinessChip done={Boolean(segment.audio_file)} label="Narration" />
          {locked && (
            <span className="inline-flex items-center gap-1 text-xs text-muted-foreground">
              <LockIcon className="size-3" aria-hidden="true" />
              Locked
            </span>
          )}
        </div>
        <div className="flex items-center gap-1">
          <div className="mr-2 flex items-center gap-2">
            <Switch
              id={lockId}
              checked={locked}
              disabled={rendering || lockPending}
              onCheckedChange={(next) => void toggleLock(next)}
            />
            <Label htmlFor={lockId} className="text-xs font-normal text-muted-foreground">
              Lock
            </Label>
          </div>
          {MOVES.map(({ offset, direction, Icon }) => (
            <Button
              key={direction}
              variant="ghost"
              size="icon-sm"
              aria-label={`Move segment ${number} ${direction}`}
              disabled={(offset < 0 ? isFirst : isLast) || rendering}
              onClick={() => void run(() => moveSegment(segment.id, offset))}
            >
              <Icon aria-hidden="true" />
            </Button>
          ))}
          <DeleteSegmentButton
            segmentNumber={number}
            disabled={!editable}
            onDelete={() => deleteSegment(segment.id)}
          />
        </div>
      </div>
      {actionError && (
        <p role="alert" className="border-b bg-destructive/5 px-4 py-2 text-sm text-destructive">
          {actionError}
        </p>
      )}
      <div className="grid gap-5 p-4 md:grid-cols-[minmax(0,16rem)_minmax(0,1fr)]">
        <div className="grid content-start gap-4">
          <SegmentImageDropZone
            segmentNumber={number}
            imageUrl={segment.image_file}
            disabled={!editable}
            disabledReason={disabledReason}
            onUpload={(file, onProgress) => uploadImage(segment.id, file, onProgress)}
          />
          <SegmentImages
            segmentNumber={number}
            images={segment.images}
            disabled={!editable}
            disabledReason={disabledReason}
            narrationSeconds={segment.audio_file ? segment.audio_duration : null}
            minShot={minShot}
            onAdd={(file, onProgress) => addImage(segment.id, file, onProgress)}
            onRemove={(index) => removeImage(segment.id, index)}
            onReorder={(order) => reorderImages(segment.id, order)}
          />
          <SegmentCamera
            segment={segment}
            segmentNumber={number}
            disabled={!editable}
            onSave={(camera) => saveSegment(segment.id, { camera })}
          />
        </div>
        <div className="grid content-start gap-4">
          {TEXT_FIELDS.map(({ field, idSuffix, label, placeholder, textareaClassName, copyable }) => (
            <AutosaveTextarea
              key={field}
              id={`segment-${segment.id}-${idSuffix}`}
              label={label}
              value={segment[field]}
              disabled={!editable}
              placeholder={placeholder}
              textareaClassName={textareaClassName}
              onSave={(value) => saveSegment(segment.id, { [field]: value })}
              actions={
                copyable ? (
                  <CopyButton
                    text={segment[field]}
                    label={`Copy ${label.toLowerCase()} of segment ${number}`}
                  />
                ) : undefined
              }
            />
          ))}
          <SegmentNarration
            segment={segment}
            segmentNumber={number}
            generating={narrationPending}
            generationError={narrationError}
            disabled={!editable}
            onGenerate={() => void generateNarration(segment.id)}
            onUpload={(file, onProgress) => uploadAudio(segment.id, file, onProgress)}
          />
        </div>
      </div>
    </Card>
  );
}

function ReadinessChip({ done, label }: { done: boolean; label: string }) {
  return (
    <span
      className={cn(
        "hidden items-center gap-1 rounded-full px-2 py-0.5 text-xs sm:inline-flex",
        done ? "bg-emerald-500/10 text-emerald-700 dark:text-emerald-300" : "bg-muted text-muted-foreground",
      )}
    >
      {done ? (
        <CheckIcon className="size-3" aria-hidden="true" />
      ) : (
        <CircleDashedIcon className="size-3" aria-hidden="true" />
      )}
      {label}
      <span className="sr-only">{done ? " ready" : " missing"}</span>
    </span>
  );
}
