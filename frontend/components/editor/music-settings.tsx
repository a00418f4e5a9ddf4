"use client";

import { MusicIcon, Trash2Icon, UploadIcon } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";

import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FieldError } from "@/components/ui/field-error";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { toApiError } from "@/lib/api";
import { checkAudioFile } from "@/lib/file-checks";
import { useFileUpload } from "@/lib/hooks/use-file-upload";
import type { ProjectDetail, ProjectUpdateRequest } from "@/lib/types";

/** Music volume range in dB relative to the narration (the server refuses anything outside). */
export const MUSIC_VOLUME_MIN = -40;
export const MUSIC_VOLUME_MAX = 0;
const VOLUME_COMMIT_DELAY_MS = 500;

type LoudnessTarget = NonNullable<ProjectUpdateRequest["loudness_target"]>;

/** The loudness targets the server accepts (LUFS, integrated), with what each is for. */
export const LOUDNESS_TARGETS: ReadonlyArray<{ value: LoudnessTarget; label: string }> = [
  { value: -14, label: "−14 LUFS · streaming (YouTube, Spotify)" },
  { value: -16, label: "−16 LUFS · podcasts" },
  { value: -23, label: "−23 LUFS · broadcast (EBU R 128)" },
];

/** A dB value as the UI writes it: "−18 dB" (a real minus sign). */
export function formatDecibels(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return `${rounded < 0 ? "−" : ""}${Math.abs(rounded)} dB`;
}

export interface MusicSettingsProps {
  project: ProjectDetail;
  disabled?: boolean;
  /** Saves option changes (`music_volume`, `ducking`, `loudness_target`, or `music_file: null` to remove). */
  onSave: (patch: ProjectUpdateRequest) => Promise<unknown>;
  /** Uploads a music file as the project's `music_file`. */
  onUpload: (file: File, onProgress: (fraction: number) => void) => Promise<unknown>;
}

/**
 * The "Music" panel: upload, play or remove the background music, its volume relative to the narration, whether it
 * dips under the voice (ducking), and the loudness the finished video is normalised to. Every change is saved at
 * once and applies to the next render (which then re-mixes only the audio).
 */
export function MusicSettings({ project, disabled, onSave, onUpload }: MusicSettingsProps) {
  const ids = useId();
  const {
    inputRef,
    progress,
    error: uploadError,
    upload,
  } = useFileUpload({
    check: checkAudioFile,
    errorField: "music_file",
    onUpload,
  });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  // The slider's position while it is being moved (null: the saved volume).
  const [draftVolume, setDraftVolume] = useState<number | null>(null);
  const volume = draftVolume ?? project.music_volume;

  const uploading = progress !== null;
  const busy = disabled || uploading || saving;
  const hasMusic = Boolean(project.music_file);
  const error = uploadError ?? saveError;

  const save = async (patch: ProjectUpdateRequest, field: keyof ProjectUpdateRequest) => {
    setSaving(true);
    setSaveError(null);
    try {
      await onSave(patch);
    } catch (caught) {
      const apiError = toApiError(caught);
      setSaveError(apiError.fieldMessage(field) ?? apiError.message);
    } finally {
      setSaving(false);
      if (field === "music_volume") setDraftVolume(null);
    }
  };

  // The volume is saved when the slider is let go, or half a second after the last key press.
  const commitTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (commitTimer.current) clearTimeout(commitTimer.current);
    },
    [],
  );
  const commitVolume = (value: number | null = draftVolume) => {
    if (commitTimer.current) clearTimeout(commitTimer.current);
    commitTimer.current = null;
    if (value === null) return;
    if (value === project.music_volume) setDraftVolume(null);
    else void save({ music_volume: value }, "music_volume");
  };
  const moveVolume = (value: number) => {
    setDraftVolume(value);
    if (commitTimer.current) clearTimeout(commitTimer.current);
    commitTimer.current = setTimeout(() => commitVolume(value), VOLUME_COMMIT_DELAY_MS);
  };

  return (
    <Card data-testid="music-panel">
      <CardHeader className="pb-4">
        <CardTitle>Music</CardTitle>
        <CardDescription>
          {uploading
            ? `Uploading music… ${Math.round((progress ?? 0) * 100)}%`
            : saving
              ? "Saving…"
              : "Background music under the narration; applies to the next render."}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {hasMusic ? (
          <audio
            controls
            preload="metadata"
            src={project.music_file ?? undefined}
            className="w-full"
            data-testid="music-player"
            aria-label="Background music"
          />
        ) : (
          <p className="flex items-center gap-2 text-sm text-muted-foreground">
            <MusicIcon className="size-4" aria-hidden="true" />
            No music. The video has only the narration.
          </p>
        )}
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" size="sm" onClick={() => inputRef.current?.click()} disabled={busy}>
            <UploadIcon aria-hidden="true" />
            {hasMusic ? "Replace music" : "Upload music"}
          </Button>
          {hasMusic && (
            <Button
              variant="outline"
              size="sm"
              onClick={() => void save({ music_file: null }, "music_file")}
              disabled={busy}
            >
              <Trash2Icon aria-hidden="true" />
              Remove music
            </Button>
          )}
          <input
            ref={inputRef}
            type="file"
            accept="audio/*,.mp3,.wav,.m4a,.ogg,.flac"
            className="sr-only"
            tabIndex={-1}
            aria-label="Music file"
            disabled={busy}
            onChange={(event) => void upload(event.target.files?.[0])}
          />
        </div>

        <div className="grid gap-2">
          <div className="flex items-center justify-between gap-2">
            <Label htmlFor={`${ids}-volume`}>Music volume</Label>
            <span className="text-xs text-muted-foreground tabular-nums" data-testid="music-volume-value">
              {formatDecibels(volume)}
            </span>
          </div>
          <input
            id={`${ids}-volume`}
            type="range"
            min={MUSIC_VOLUME_MIN}
            max={MUSIC_VOLUME_MAX}
            step={1}
            value={volume}
            disabled={disabled || uploading}
            onChange={(event) => moveVolume(Number(event.target.value))}
            onPointerUp={() => commitVolume()}
            onBlur={() => commitVolume()}
            aria-valuetext={`${formatDecibels(volume)} relative to the narration`}
            className="w-full accent-primary"
          />
          <p className="text-xs text-muted-foreground">
            Relative to the narration, where the music plays at full level.
          </p>
        </div>

        <div className="flex items-center justify-between gap-3">
          <div className="grid gap-0.5">
            <Label htmlFor={`${ids}-ducking`}>Lower music under the voice</Label>
            <span className="text-xs text-muted-foreground">
              Ducking: at least 18 dB under the narration.
            </span>
          </div>
          <Switch
            id={`${ids}-ducking`}
            checked={project.ducking}
            disabled={busy}
            onCheckedChange={(checked) => void save({ ducking: checked }, "ducking")}
          />
        </div>

        <div className="grid gap-2">
          <Label htmlFor={`${ids}-loudness`}>Loudness</Label>
          <Select
            value={String(project.loudness_target)}
            disabled={busy}
            onValueChange={(value) =>
              void save({ loudness_target: Number(value) as LoudnessTarget }, "loudness_target")
            }
          >
            <SelectTrigger id={`${ids}-loudness`} aria-label="Loudness target">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {LOUDNESS_TARGETS.map((target) => (
                <SelectItem key={target.value} value={String(target.value)}>
                  {target.label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}
