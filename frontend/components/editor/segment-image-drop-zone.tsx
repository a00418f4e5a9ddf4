"use client";

import { ImagePlusIcon, Loader2Icon, RefreshCwIcon } from "lucide-react";
import Image from "next/image";
import { useId, useState, type DragEvent } from "react";

import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { ACCEPTED_IMAGE_TYPES, checkImageFile } from "@/lib/file-checks";
import { useFileUpload } from "@/lib/hooks/use-file-upload";
import { cn } from "@/lib/utils";

export interface SegmentImageDropZoneProps {
  segmentNumber: number;
  imageUrl: string | null;
  disabled?: boolean;
  /** Why the zone is disabled, e.g. "Unlock the segment to change its image". */
  disabledReason?: string;
  onUpload: (file: File, onProgress: (fraction: number) => void) => Promise<unknown>;
}

/** The segment's image: a preview, or a place to drop or pick one. */
export function SegmentImageDropZone({
  segmentNumber,
  imageUrl,
  disabled,
  disabledReason,
  onUpload,
}: SegmentImageDropZoneProps) {
  const { inputRef, progress, error, upload } = useFileUpload({
    check: checkImageFile,
    errorField: "image_file",
    onUpload,
  });
  const [dragging, setDragging] = useState(false);
  const errorId = useId();
  const uploading = progress !== null;
  const inactive = disabled || uploading;

  const accept = async (file: File | undefined) => {
    if (inactive) return;
    await upload(file);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    void accept(event.dataTransfer.files[0]);
  };

  const openPicker = () => inputRef.current?.click();

  return (
    <div className="grid gap-2">
      <div
        onDragOver={(event) => {
          if (inactive) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid={`image-drop-zone-${segmentNumber}`}
        className={cn(
          "relative flex aspect-video w-full items-center justify-center overflow-hidden rounded-lg border-2 border-dashed bg-muted/50 transition-colors",
          imageUrl && "border-solid border-transparent bg-black",
          dragging && "border-primary bg-accent",
          error && "border-destructive/60",
        )}
      >
        {imageUrl ? (
          <Image
            src={imageUrl}
            alt={`Image for segment ${segmentNumber}`}
            fill
            sizes="(min-width: 768px) 280px, 100vw"
            className={cn("object-contain", uploading && "opacity-40")}
          />
        ) : (
          <div className="flex flex-col items-center gap-2 px-4 text-center">
            <ImagePlusIcon className="size-7 text-muted-foreground" aria-hidden="true" />
            <p className="text-sm font-medium">Drop an image here</p>
            <p className="text-xs text-muted-foreground">PNG, JPEG or WebP, up to 25 MB</p>
          </div>
        )}
        {uploading && (
          <div
            className="absolute inset-0 flex flex-col items-center justify-center gap-2 bg-background/70 text-sm font-medium"
            role="status"
          >
            <Loader2Icon className="size-5 animate-spin" aria-hidden="true" />
            Uploading… {Math.round((progress ?? 0) * 100)}%
          </div>
        )}
        {dragging && (
          <div className="absolute inset-0 flex items-center justify-center bg-background/80 text-sm font-medium">
            Drop to use this image
          </div>
        )}
      </div>
      <input
        ref={inputRef}
        type="file"
        accept={ACCEPTED_IMAGE_TYPES.join(",")}
        className="sr-only"
        tabIndex={-1}
        aria-label={`Image file for segment ${segmentNumber}`}
        data-testid={`image-input-${segmentNumber}`}
        disabled={inactive}
        onChange={(event) => void accept(event.target.files?.[0])}
      />
      <Button
        variant="outline"
        size="sm"
        onClick={openPicker}
        disabled={inactive}
        title={disabled ? disabledReason : undefined}
        aria-describedby={error ? errorId : undefined}
      >
        {imageUrl ? <RefreshCwIcon aria-hidden="true" /> : <ImagePlusIcon aria-hidden="true" />}
        {imageUrl ? "Replace image" : "Choose image"}
      </Button>
      <FieldError id={errorId}>{error}</FieldError>
    </div>
  );
}
