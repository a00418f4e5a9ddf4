"use client";

import { Loader2Icon, PlusIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent, type ReactNode } from "react";

import { VideoFormatFields, type VideoFormat } from "@/components/video-format-fields";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { ApiError, toApiError } from "@/lib/api";
import { useProjectListStore } from "@/lib/stores";
import { DEFAULT_FRAMERATE, DEFAULT_RESOLUTION } from "@/lib/video-formats";

const INITIAL_FORMAT: VideoFormat = {
  width: DEFAULT_RESOLUTION.width,
  height: DEFAULT_RESOLUTION.height,
  framerate: DEFAULT_FRAMERATE,
};

/** "New project": a title and the output format, then straight into the editor. */
export function CreateProjectDialog({ trigger }: { trigger?: ReactNode }) {
  const router = useRouter();
  const createProject = useProjectListStore((s) => s.createProject);
  const [open, setOpen] = useState(false);
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
    error?.fieldMessage("resolution_width") ?? error?.fieldMessage("resolution_height") ?? error?.fieldMessage("framerate");
  const generalError = error && !titleError && !formatError ? error.message : null;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (pending) return;
        setOpen(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        {trigger ?? (
          <Button>
            <PlusIcon aria-hidden="true" />
            New project
          </Button>
        )}
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={submit} className="grid gap-5" noValidate>
          <DialogHeader>
            <DialogTitle>New project</DialogTitle>
            <DialogDescription>Start with an empty story and add segments in the editor.</DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="new-project-title">Title</Label>
            <Input
              id="new-project-title"
              value={title}
              onChange={(event) => setTitle(event.target.value)}
              maxLength={200}
              placeholder="The Lighthouse Keeper"
              autoFocus
              aria-invalid={titleError ? true : undefined}
              aria-describedby={titleError ? "new-project-title-error" : undefined}
            />
            <FieldError id="new-project-title-error">{titleError}</FieldError>
          </div>
          <VideoFormatFields idPrefix="new-project" value={format} onChange={setFormat} disabled={pending} />
          <FieldError>{formatError}</FieldError>
          <FieldError>{generalError}</FieldError>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending}>
              {pending && <Loader2Icon className="animate-spin" aria-hidden="true" />}
              Create project
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
