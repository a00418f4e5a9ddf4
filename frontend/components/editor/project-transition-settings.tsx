"use client";

import { useState } from "react";

import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FieldError } from "@/components/ui/field-error";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { toApiError } from "@/lib/api";
import type { ProjectDetail, ProjectUpdateRequest, TransitionKind } from "@/lib/types";

/** The transitions the backend supports, named for people. */
export const TRANSITION_KINDS: { value: TransitionKind; label: string }[] = [
  { value: "cut", label: "Cut" },
  { value: "crossfade", label: "Crossfade" },
  { value: "fade_black", label: "Fade through black" },
  { value: "slide_left", label: "Slide left" },
];

/** Longest transition the server accepts, seconds. */
export const MAX_TRANSITION_SECONDS = 2;

/**
 * The transition between pictures (kind and duration, centred on each picture change so the narration keeps its
 * timing); each change is saved at once, the duration when the field loses focus.
 */
export function ProjectTransitionSettings({
  project,
  disabled,
  onSave,
}: {
  project: ProjectDetail;
  disabled?: boolean;
  onSave: (patch: ProjectUpdateRequest) => Promise<unknown>;
}) {
  const { kind, duration } = project.transition;
  const [draft, setDraft] = useState(String(duration));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // A new saved duration (from the server) replaces the draft: adjusted while rendering, not in an effect.
  const [shown, setShown] = useState(duration);
  if (shown !== duration) {
    setShown(duration);
    setDraft(String(duration));
  }

  const save = async (patch: ProjectUpdateRequest) => {
    setSaving(true);
    setError(null);
    try {
      await onSave(patch);
    } catch (caught) {
      setError(toApiError(caught).message);
      setDraft(String(duration));
    } finally {
      setSaving(false);
    }
  };

  const commitDuration = () => {
    const seconds = Number(draft);
    if (
      draft.trim() === "" ||
      !Number.isFinite(seconds) ||
      seconds <= 0 ||
      seconds > MAX_TRANSITION_SECONDS
    ) {
      setError(`The duration must be more than 0 and at most ${MAX_TRANSITION_SECONDS} seconds.`);
      setDraft(String(duration));
      return;
    }
    if (seconds !== duration) void save({ transition: { kind, duration: seconds } });
  };

  return (
    <Card>
      <CardHeader className="pb-4">
        <CardTitle>Transition</CardTitle>
        <CardDescription>
          {saving ? "Saving…" : "Between pictures, centred on each change; the narration keeps its timing."}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-2">
        <div className="grid gap-4 sm:grid-cols-[1fr_8rem]">
          <FormField id="transition-kind" label="Kind">
            <Select
              value={kind}
              disabled={disabled || saving}
              onValueChange={(next) => void save({ transition: { kind: next as TransitionKind, duration } })}
            >
              <SelectTrigger id="transition-kind" data-testid="transition-kind">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {TRANSITION_KINDS.map((option) => (
                  <SelectItem key={option.value} value={option.value}>
                    {option.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
          <FormField id="transition-duration" label="Seconds">
            <Input
              id="transition-duration"
              type="number"
              inputMode="decimal"
              min={0.1}
              max={MAX_TRANSITION_SECONDS}
              step={0.1}
              value={draft}
              disabled={disabled || saving || kind === "cut"}
              onChange={(event) => setDraft(event.target.value)}
              onBlur={commitDuration}
              onKeyDown={(event) => {
                if (event.key === "Enter") commitDuration();
              }}
            />
          </FormField>
        </div>
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}
