"use client";

import { VideoFormatFields, type VideoFormat } from "@/components/video-format-fields";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FieldError } from "@/components/ui/field-error";
import { FormField } from "@/components/ui/form-field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useSave } from "@/lib/hooks/use-save";
import type { ProjectDetail, ProjectUpdateRequest, Quality } from "@/lib/types";
import { QUALITY_PRESETS } from "@/lib/video-formats";

const FORMAT_FIELDS = ["resolution_width", "resolution_height", "framerate", "quality"];

/** Output resolution, frame rate and quality of the project; each change is saved at once. */
export function ProjectFormatSettings({
  project,
  disabled,
  onSave,
}: {
  project: ProjectDetail;
  disabled?: boolean;
  onSave: (patch: ProjectUpdateRequest) => Promise<unknown>;
}) {
  const { saving, error, save } = useSave(onSave, FORMAT_FIELDS);
  const value: VideoFormat = {
    width: project.resolution_width,
    height: project.resolution_height,
    framerate: project.framerate,
  };

  const change = (next: VideoFormat) =>
    save({ resolution_width: next.width, resolution_height: next.height, framerate: next.framerate });
  const qualityId = "project-quality";

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
        <FormField id={qualityId} label="Quality">
          <Select
            value={project.quality}
            disabled={disabled || saving}
            onValueChange={(quality) => void save({ quality: quality as Quality })}
          >
            <SelectTrigger id={qualityId}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {QUALITY_PRESETS.map((q) => (
                <SelectItem key={q.value} value={q.value}>
                  {q.label} · {q.hint}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </FormField>
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}
