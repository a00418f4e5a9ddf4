"use client";

import { ArrowLeftIcon, ArrowRightIcon, ImagePlusIcon, Loader2Icon, XIcon } from "lucide-react";
import Image from "next/image";
import { useId, useState } from "react";

import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { toApiError } from "@/lib/api";
import { ACCEPTED_IMAGE_TYPES, checkImageFile } from "@/lib/file-checks";
import { useFileUpload } from "@/lib/hooks/use-file-upload";

/** Images a segment may show (the first is its main image). */
export const MAX_SEGMENT_IMAGES = 3;

/** The order that moves image `from` to `to` (indices into the current images), as the reorder endpoint takes it. */
export function moveOrder(count: number, from: number, to: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  const moved = order.splice(from, 1);
  order.splice(to, 0, ...moved);
  return order;
}

/**
 * How many of a segment's `images` the render shows in `seconds` of narration: every picture gets at least
 * `minShot` seconds (the project's `min_shot`), so only the first `floor(seconds / minShot)` are shown, and always
 * at least one. Mirrors the backend's `core_engine.render.shots.shot_count`.
 */
export function shownImageCount(seconds: number, images: number, minShot: number): number {
  if (images <= 1) return images;
  // The same tolerance as the backend, so that 7.5 s / 2.5 s counts as 3 despite floating point.
  return Math.min(images, Math.max(1, Math.floor(seconds / minShot + 1e-9)));
}

export interface SegmentImagesProps {
  segmentNumber: number;
  /** Every image in the order shown (URLs; the first is the segment's main image). */
  images: string[];
  disabled?: boolean;
  disabledReason?: string;
  /** Length of the segment's narration in seconds, when it has one. */
  narrationSeconds?: number | null;
  /** Shortest time a picture is shown, seconds (the project's `min_shot`). */
  minShot?: number;
  onAdd: (file: File, onProgress: (fraction: number) => void) => Promise<unknown>;
  onRemove: (index: number) => Promise<unknown>;
  onReorder: (order: number[]) => Promise<unknown>;
}

/**
 * A segment's pictures in the order they are shown (up to {@link MAX_SEGMENT_IMAGES}): the narration time is
 * shared among them. Add one after the others, move one earlier or later, or remove one.
 */
export function SegmentImages({
  segmentNumber,
  images,
  disabled,
  disabledReason,
  narrationSeconds,
  minShot = 2.5,
  onAdd,
  onRemove,
  onReorder,
}: SegmentImagesProps) {
  const {
    inputRef,
    progress,
    error: uploadError,
    upload,
  } = useFileUpload({
    check: checkImageFile,
    errorField: "image_file",
    onUpload: onAdd,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const inactive = disabled || busy || progress !== null;
  const canAdd = images.length >= 1 && images.length < MAX_SEGMENT_IMAGES;

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(toApiError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  if (images.length === 0) return null;
  const shown = narrationSeconds ? shownImageCount(narrationSeconds, images.length, minShot) : images.length;

  return (
    <div className="grid gap-2" data-testid={`segment-images-${segmentNumber}`}>
      <p className="text-xs text-muted-foreground">
        {images.length === 1
          ? "Add up to two more pictures to share this narration."
          : `${images.length} pictures share this narration, in this order.`}
      </p>
      {shown < images.length && (
        <p
          className="text-xs text-amber-700 dark:text-amber-400"
          data-testid={`images-not-shown-${segmentNumber}`}
        >
          {`The narration (${narrationSeconds!.toFixed(1)} s) has room for ${shown} of them: each picture stays at least ${minShot} s, so ${
            images.length - shown === 1
              ? `picture ${images.length} is`
              : `pictures ${shown + 1}–${images.length} are`
          } not shown. A longer narration shows all.`}
        </p>
      )}
      {/* One row of up to three: the editor's picture column is too narrow for three fixed-width thumbnails. */}
      <ol className="grid max-w-80 grid-cols-3 gap-2" aria-label={`Pictures of segment ${segmentNumber}`}>
        {images.map((url, index) => (
          <li key={url} className="grid min-w-0 gap-1">
            <div className="relative aspect-video overflow-hidden rounded-md bg-black">
              <Image
                src={url}
                alt={`Picture ${index + 1} of segment ${segmentNumber}`}
                fill
                sizes="96px"
                className="object-cover"
              />
            </div>
            <div className="flex justify-between">
              <Button
                variant="ghost"
                size="icon"
                className="size-7"
                aria-label={`Show picture ${index + 1} earlier`}
                title={disabled ? disabledReason : undefined}
                disabled={inactive || index === 0}
                onClick={() => void run(() => onReorder(moveOrder(images.length, index, index - 1)))}
              >
                <ArrowLeftIcon aria-hidden="true" />
              </Button>
              <Button
                variant="ghost"
                size="icon"
                className="size-7"
                aria-label={`Remove picture ${index + 1}`}
                title={disabled ? disabledReason : undefined}
                disabled={inactive}
                onClick={() => void run(() => onRemove(index))}
              >
                <XIcon aria-hidden="true" />
              </Button>
              <Button
                variant="ghost"
                size="icon"
                className="size-7"
                aria-label={`Show picture ${index + 1} later`}
                title={disabled ? disabledReason : undefined}
                disabled={inactive || index === images.length - 1}
                onClick={() => void run(() => onReorder(moveOrder(images.length, index, index + 1)))}
              >
                <ArrowRightIcon aria-hidden="true" />
              </Button>
            </div>
          </li>
        ))}
      </ol>
      {canAdd && (
        <>
          <input
            ref={inputRef}
            type="file"
            accept={ACCEPTED_IMAGE_TYPES.join(",")}
            className="sr-only"
            tabIndex={-1}
            aria-label={`Another picture for segment ${segmentNumber}`}
            data-testid={`extra-image-input-${segmentNumber}`}
            disabled={inactive}
            onChange={(event) => void upload(event.target.files?.[0])}
          />
          <Button
            variant="outline"
            size="sm"
            onClick={() => inputRef.current?.click()}
            disabled={inactive}
            title={disabled ? disabledReason : undefined}
            aria-describedby={uploadError || error ? errorId : undefined}
          >
            {progress !== null ? (
              <Loader2Icon className="animate-spin" aria-hidden="true" />
            ) : (
              <ImagePlusIcon aria-hidden="true" />
            )}
            {progress !== null ? `Uploading… ${Math.round(progress * 100)}%` : "Add a picture"}
          </Button>
        </>
      )}
      <FieldError id={errorId}>{uploadError ?? error}</FieldError>
    </div>
  );
}
