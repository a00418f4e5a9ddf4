"use client";

import { PlusIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent, type ReactNode } from "react";

import { FormDialog } from "@/components/form-dialog";
import { VideoFormatFields, type VideoFormat } from "@/components/video-format-fields";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { FormField, fieldErrorAria } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { ApiError, toApiError } from "@/lib/api";
import { useAppStore } from "@/lib/store";
import { DEFAULT_FRAMERATE, DEFAULT_RESOLUTION } from "@/lib/video-formats";

const INITIAL_FORMAT: VideoFormat = {
  width: DEFAULT_RESOLUTION.width,
  height: DEFAULT_RESOLUTION.height,
  framerate: DEFAULT_FRAMERATE,
};

/** "New project": a title and the output format, then straight into the editor. */
export function CreateProjectDialog({ trigger }: { trigger?: ReactNode }) {
  const router = useRouter();
  const createProject = useAppStore((s) => s.createProject);
  const [title, setTitle] = useState("");
  const [format, setFormat] = useState<VideoFormat>(INITIAL_FORMAT);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [titleError, setTitleError] = useState<string | null>(null);

  const reset = () => {
    setTitle("");
    setFormat(INITIAL_FORMAT);
    setError(null);
    setTitleError(null);
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = title.trim();
    if (!trimmed) {
      setTitleError("Give the project a title.");
      return;
    }
    setPending(true);
    setError(null);
    setTitleError(null);
    try {
      const project = await createProject({
        title: trimmed,
        resolution_width: format.width,
        resolution_height: format.height,
        framerate: format.framerate,
      });
      router.push(`/projects/${project.id}`);
    } catch (caught) {
      const apiError = toApiError(caught);
      setError(apiError);
      setTitleError(apiError.fieldMessage("title") ?? null);
      setPending(false);
    }
  };

  const formatError =
    error?.fieldMessage("resolution_width") ??
    error?.fieldMessage("resolution_height") ??
    error?.fieldMessage("framerate");
  const generalError = error && !titleError && !formatError ? error.message : null;

  return (
    <FormDialog
      trigger={
        trigger ?? (
          <Button>
            <PlusIcon aria-hidden="true" />
            New project
          </Button>
        )
      }
      title="New project"
      description="Start with an empty story and add segments in the editor."
      submitLabel="Create project"
      pending={pending}
      onSubmit={submit}
      onDismiss={reset}
    >
      <FormField id="new-project-title" label="Title" error={titleError}>
        <Input
          id="new-project-title"
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          maxLength={200}
          placeholder="The Lighthouse Keeper"
          autoFocus
          {...fieldErrorAria("new-project-title", titleError)}
        />
      </FormField>
      <VideoFormatFields idPrefix="new-project" value={format} onChange={setFormat} disabled={pending} />
      <FieldError>{formatError}</FieldError>
      <FieldError>{generalError}</FieldError>
    </FormDialog>
  );
}
