"use client";

import { useState } from "react";

import { VideoFormatFields, type VideoFormat } from "@/components/video-format-fields";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FieldError } from "@/components/ui/field-error";
import { toApiError } from "@/lib/api";
import type { ProjectDetail, ProjectUpdateRequest } from "@/lib/types";

/** Output resolution and frame rate of the project; each change is saved at once. */
export function ProjectFormatSettings({
  project,
  disabled,
  onSave,
}: {
  project: ProjectDetail;
  disabled?: boolean;
  onSave: (patch: ProjectUpdateRequest) => Promise<unknown>;
}) {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const value: VideoFormat = {
    width: project.resolution_width,
    height: project.resolution_height,
    framerate: project.framerate,
  };

  const change = async (next: VideoFormat) => {
    setSaving(true);
    setError(null);
    try {
      await onSave({
        resolution_width: next.width,
        resolution_height: next.height,
        framerate: next.framerate,
      });
    } catch (caught) {
      const apiError = toApiError(caught);
      setError(
        apiError.fieldMessage("resolution_width") ??
          apiError.fieldMessage("resolution_height") ??
          apiError.fieldMessage("framerate") ??
          apiError.message,
      );
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card>
      <CardHeader className="pb-4">
        <CardTitle>Video format</CardTitle>
        <CardDescription>{saving ? "Saving…" : "Applies to the next render."}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-2">
        <VideoFormatFields
          idPrefix="project"
          value={value}
          onChange={(next) => void change(next)}
          disabled={disabled || saving}
        />
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}
