"use client";

import { CrosshairIcon, XIcon } from "lucide-react";

import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { FormField } from "@/components/ui/form-field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { getCameraPreviewUrl } from "@/lib/api";
import { useSave } from "@/lib/hooks/use-save";
import type { Camera, CameraMotion, Segment } from "@/lib/types";

/** The camera motions, as the backend names them, with words for people. */
export const CAMERA_MOTIONS: readonly { value: CameraMotion; label: string }[] = [
  { value: "auto", label: "Automatic · keeps faces in frame" },
  { value: "zoom_in", label: "Zoom in" },
  { value: "zoom_out", label: "Zoom out" },
  { value: "pan_left", label: "Pan left" },
  { value: "pan_right", label: "Pan right" },
  { value: "pan_up", label: "Pan up" },
  { value: "pan_down", label: "Pan down" },
  { value: "still", label: "Still" },
];

/** Where a click landed on an element, as 0–1 fractions of its width and height (3 decimals). */
export function focusFromClick(
  clientX: number,
  clientY: number,
  rect: { left: number; top: number; width: number; height: number },
): [number, number] {
  const clamp = (v: number) => Math.min(1, Math.max(0, Math.round(v * 1000) / 1000));
  return [clamp((clientX - rect.left) / rect.width), clamp((clientY - rect.top) / rect.height)];
}

/** A segment's camera: the motion, a focus point set by clicking the picture, and the first and last frame of the
 * shot as the render will frame them. */
export function SegmentCamera({
  segment,
  segmentNumber,
  disabled,
  onSave,
}: {
  segment: Segment;
  segmentNumber: number;
  disabled?: boolean;
  onSave: (camera: Camera) => Promise<unknown>;
}) {
  const camera = segment.camera;
  const { saving, error, save } = useSave(onSave);
  const motionId = `segment-${segment.id}-motion`;

  if (!segment.image_file) return null;
  const version = `${segment.image_file}|${camera.motion}|${camera.focus?.join(",") ?? ""}|${camera.strength ?? ""}`;
  const locked = disabled || saving;

  return (
    <div className="grid gap-3" data-testid="segment-camera">
      <FormField id={motionId} label="Camera">
        <Select
          value={camera.motion}
          disabled={locked}
          onValueChange={(motion) => void save({ ...camera, motion: motion as CameraMotion })}
        >
          <SelectTrigger id={motionId}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {CAMERA_MOTIONS.map((m) => (
              <SelectItem key={m.value} value={m.value}>
                {m.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </FormField>
      <div className="grid gap-1">
        <button
          type="button"
          className="relative overflow-hidden rounded-md border disabled:cursor-not-allowed"
          disabled={locked}
          aria-label={`Set the focus point of segment ${segmentNumber}: click the picture where the camera should aim`}
          onClick={(event) => {
            const focus = focusFromClick(
              event.clientX,
              event.clientY,
              event.currentTarget.getBoundingClientRect(),
            );
            void save({ ...camera, focus });
          }}
        >
          {/* eslint-disable-next-line @next/next/no-img-element -- a media URL of the API, not a static asset */}
          <img src={segment.image_file} alt="" className="block w-full" />
          {camera.focus && camera.focus.length === 2 && (
            <CrosshairIcon
              data-testid="focus-marker"
              aria-hidden="true"
              className="pointer-events-none absolute size-6 -translate-x-1/2 -translate-y-1/2 text-white drop-shadow"
              style={{
                left: `${(camera.focus[0] ?? 0.5) * 100}%`,
                top: `${(camera.focus[1] ?? 0.5) * 100}%`,
              }}
            />
          )}
        </button>
        <div className="flex items-center justify-between text-xs text-muted-foreground">
          <span>{camera.focus ? "Focus point set" : "Click the picture to set a focus point"}</span>
          {camera.focus && (
            <Button
              variant="ghost"
              size="sm"
              disabled={locked}
              onClick={() => void save({ ...camera, focus: null })}
            >
              <XIcon aria-hidden="true" />
              Clear focus
            </Button>
          )}
        </div>
      </div>
      <div className="grid grid-cols-2 gap-2">
        {(["first", "last"] as const).map((frame) => (
          <figure key={frame} className="grid gap-1">
            {/* eslint-disable-next-line @next/next/no-img-element -- rendered on demand by the API */}
            <img
              src={getCameraPreviewUrl(segment.id, frame, version)}
              alt={`${frame === "first" ? "First" : "Last"} frame of segment ${segmentNumber}`}
              className="block w-full rounded border bg-muted"
              loading="lazy"
            />
            <figcaption className="text-xs text-muted-foreground">
              {frame === "first" ? "First frame" : "Last frame"}
            </figcaption>
          </figure>
        ))}
      </div>
      <FieldError>{error}</FieldError>
    </div>
  );
}
