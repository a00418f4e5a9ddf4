"use client";

import { CheckIcon, Loader2Icon } from "lucide-react";
import { useEffect, useState, type FormEvent } from "react";

import { LoadErrorAlert } from "@/components/load-error-alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { FormField, fieldErrorAria, fieldErrorId } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { toApiError } from "@/lib/api";
import { useAppStore } from "@/lib/store";
import type { GlobalSettings } from "@/lib/types";

interface RangeRule {
  min: number;
  max: number;
  step: number;
}

const TTS_SPEED: RangeRule = { min: 0.5, max: 2, step: 0.05 };
const ZOOM_INTENSITY: RangeRule = { min: 1, max: 2, step: 0.05 };

type FieldErrors = Partial<Record<keyof GlobalSettings, string>>;

function checkRange(label: string, raw: string, rule: RangeRule): string | undefined {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) return `${label} must be a number.`;
  if (value < rule.min || value > rule.max)
    return `${label} must be between ${rule.min.toFixed(1)} and ${rule.max.toFixed(1)}.`;
  return undefined;
}

/** Global settings: narration voice and speed, and how far the camera zooms. */
export function SettingsForm() {
  const settings = useAppStore((s) => s.settings);
  const voices = useAppStore((s) => s.voices);
  const loadError = useAppStore((s) => s.settingsError);
  const loadSettings = useAppStore((s) => s.loadSettings);
  const saveSettings = useAppStore((s) => s.saveSettings);
  // Start from the settings already in the store (a revisit); the load below refreshes them.
  const [voiceId, setVoiceId] = useState(() => settings?.default_voice_id ?? "");
  const [speed, setSpeed] = useState(() => String(settings?.tts_speed ?? 1));
  const [zoom, setZoom] = useState(() => String(settings?.zoom_intensity ?? 1.3));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    void loadSettings().then((loaded) => {
      if (cancelled || !loaded) return;
      setVoiceId(loaded.default_voice_id);
      setSpeed(String(loaded.tts_speed));
      setZoom(String(loaded.zoom_intensity));
    });
    return () => {
      cancelled = true;
    };
  }, [attempt, loadSettings]);

  if (loadError) {
    return <LoadErrorAlert error={loadError} onRetry={() => setAttempt((n) => n + 1)} />;
  }
  if (!settings || !voices) return <SettingsSkeleton />;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    setFormError(null);
    const clientErrors: FieldErrors = {
      tts_speed: checkRange("Narration speed", speed, TTS_SPEED),
      zoom_intensity: checkRange("Zoom intensity", zoom, ZOOM_INTENSITY),
    };
    if (clientErrors.tts_speed || clientErrors.zoom_intensity) {
      setErrors(clientErrors);
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      const updated = await saveSettings({
        default_voice_id: voiceId,
        tts_speed: Number(speed),
        zoom_intensity: Number(zoom),
      });
      setSpeed(String(updated.tts_speed));
      setZoom(String(updated.zoom_intensity));
      setSaved(true);
    } catch (caught) {
      const apiError = toApiError(caught);
      const fieldErrors: FieldErrors = {
        default_voice_id: apiError.fieldMessage("default_voice_id"),
        tts_speed: apiError.fieldMessage("tts_speed"),
        zoom_intensity: apiError.fieldMessage("zoom_intensity"),
      };
      setErrors(fieldErrors);
      const anyField = Object.values(fieldErrors).some(Boolean);
      setFormError(anyField ? null : apiError.message);
    } finally {
      setSaving(false);
    }
  };

  const knownVoice = voices.voices.some((v) => v.id === voiceId);

  /** Wraps a field's setter: an edit also clears the "Settings saved" note. */
  const edited = (set: (value: string) => void) => (value: string) => {
    set(value);
    setSaved(false);
  };

  return (
    <form onSubmit={submit} noValidate>
      <Card>
        <CardHeader>
          <CardTitle>Narration</CardTitle>
          <CardDescription>
            {voices.engine
              ? `Built-in speech engine: ${voices.engine}. Used by "Generate narration".`
              : "No speech engine is available on this machine; upload recordings instead."}
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-6">
          <FormField id="voice" label="Voice" error={errors.default_voice_id}>
            <Select
              value={voiceId || undefined}
              onValueChange={edited(setVoiceId)}
              disabled={voices.voices.length === 0}
            >
              <SelectTrigger id="voice" {...fieldErrorAria("voice", errors.default_voice_id)}>
                <SelectValue placeholder={voices.voices.length ? "Engine default" : "No voices available"} />
              </SelectTrigger>
              <SelectContent>
                {voiceId && !knownVoice && <SelectItem value={voiceId}>{voiceId} (not installed)</SelectItem>}
                {voices.voices.map((voice) => (
                  <SelectItem key={voice.id} value={voice.id}>
                    {voice.name}
                    <span className="text-muted-foreground">
                      {" "}
                      · {voice.language}
                      {voice.gender ? ` · ${voice.gender}` : ""}
                    </span>
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
          <RangeField
            id="tts-speed"
            label="Narration speed"
            help="1.0 is normal speed."
            suffix="×"
            value={speed}
            rule={TTS_SPEED}
            error={errors.tts_speed}
            onChange={edited(setSpeed)}
          />
        </CardContent>
        <CardHeader className="border-t">
          <CardTitle>Camera</CardTitle>
          <CardDescription>How far the Ken Burns camera zooms into each image.</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-6">
          <RangeField
            id="zoom-intensity"
            label="Zoom intensity"
            help="1.0 keeps the whole image in view; 2.0 ends twice as close."
            suffix="×"
            value={zoom}
            rule={ZOOM_INTENSITY}
            error={errors.zoom_intensity}
            onChange={edited(setZoom)}
          />
        </CardContent>
        <CardFooter className="flex-wrap justify-end gap-3 border-t pt-5">
          {formError && (
            <p role="alert" className="mr-auto text-sm text-destructive">
              {formError}
            </p>
          )}
          {saved && (
            <p role="status" className="mr-auto flex items-center gap-1.5 text-sm text-muted-foreground">
              <CheckIcon className="size-4 text-success" aria-hidden="true" />
              Settings saved
            </p>
          )}
          <Button type="submit" disabled={saving}>
            {saving && <Loader2Icon className="animate-spin" aria-hidden="true" />}
            Save settings
          </Button>
        </CardFooter>
      </Card>
    </form>
  );
}

function RangeField({
  id,
  label,
  help,
  suffix,
  value,
  rule,
  error,
  onChange,
}: {
  id: string;
  label: string;
  help: string;
  suffix: string;
  value: string;
  rule: RangeRule;
  error?: string;
  onChange: (value: string) => void;
}) {
  const numeric = Number(value);
  const sliderValue = Number.isFinite(numeric) ? Math.min(rule.max, Math.max(rule.min, numeric)) : rule.min;
  const describedBy = [`${id}-help`, error ? fieldErrorId(id) : null].filter(Boolean).join(" ");
  return (
    <FormField id={id} label={label} error={error}>
      <div className="flex items-center gap-4">
        <input
          type="range"
          min={rule.min}
          max={rule.max}
          step={rule.step}
          value={sliderValue}
          onChange={(event) => onChange(event.target.value)}
          aria-label={`${label} slider`}
          className="h-2 flex-1 cursor-pointer accent-primary"
        />
        <div className="flex items-center gap-1">
          <Input
            id={id}
            type="number"
            inputMode="decimal"
            min={rule.min}
            max={rule.max}
            step={rule.step}
            value={value}
            onChange={(event) => onChange(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            className="w-24 tabular-nums"
          />
          <span className="text-sm text-muted-foreground" aria-hidden="true">
            {suffix}
          </span>
        </div>
      </div>
      <p id={`${id}-help`} className="text-xs text-muted-foreground">
        {help} Between {rule.min.toFixed(1)} and {rule.max.toFixed(1)}.
      </p>
    </FormField>
  );
}

function SettingsSkeleton() {
  return (
    <div className="grid gap-4 rounded-xl border bg-card p-5" aria-busy="true" aria-label="Loading settings">
      <Skeleton className="h-5 w-40" />
      <Skeleton className="h-9" />
      <Skeleton className="h-5 w-52" />
      <Skeleton className="h-9" />
      <Skeleton className="h-9" />
    </div>
  );
}
