"use client";

import { FormField } from "@/components/ui/form-field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { FRAMERATES, RESOLUTION_PRESETS, resolutionKey, resolutionLabel } from "@/lib/video-formats";

export interface VideoFormat {
  width: number;
  height: number;
  framerate: number;
}

/** Resolution and frame-rate pickers shared by the create dialog and the editor's project settings. */
export function VideoFormatFields({
  value,
  onChange,
  disabled,
  idPrefix,
}: {
  value: VideoFormat;
  onChange: (next: VideoFormat) => void;
  disabled?: boolean;
  idPrefix: string;
}) {
  const currentKey = resolutionKey(value.width, value.height);
  const isPreset = RESOLUTION_PRESETS.some((p) => resolutionKey(p.width, p.height) === currentKey);
  const resolutionId = `${idPrefix}-resolution`;
  const fpsId = `${idPrefix}-fps`;

  return (
    <div className="grid gap-4 sm:grid-cols-[1fr_8rem]">
      <FormField id={resolutionId} label="Resolution">
        <Select
          value={currentKey}
          disabled={disabled}
          onValueChange={(key) => {
            const preset = RESOLUTION_PRESETS.find((p) => resolutionKey(p.width, p.height) === key);
            if (preset) onChange({ ...value, width: preset.width, height: preset.height });
          }}
        >
          <SelectTrigger id={resolutionId}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {!isPreset && (
              <SelectItem value={currentKey}>{resolutionLabel(value.width, value.height)}</SelectItem>
            )}
            {RESOLUTION_PRESETS.map((preset) => (
              <SelectItem
                key={resolutionKey(preset.width, preset.height)}
                value={resolutionKey(preset.width, preset.height)}
              >
                {preset.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </FormField>
      <FormField id={fpsId} label="Frame rate">
        <Select
          value={String(value.framerate)}
          disabled={disabled}
          onValueChange={(fps) => onChange({ ...value, framerate: Number(fps) })}
        >
          <SelectTrigger id={fpsId}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {!FRAMERATES.includes(value.framerate) && (
              <SelectItem value={String(value.framerate)}>{value.framerate} fps</SelectItem>
            )}
            {FRAMERATES.map((fps) => (
              <SelectItem key={fps} value={String(fps)}>
                {fps} fps
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </FormField>
    </div>
  );
}
