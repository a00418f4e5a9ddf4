"use client";

import { useState } from "react";

import { FieldError } from "@/components/ui/field-error";
import { fieldErrorAria, fieldErrorId } from "@/components/ui/form-field";
import { toApiError } from "@/lib/api";
import { cn } from "@/lib/utils";

/** The project title as an inline-editable heading: saves on Enter or blur, Escape restores it. */
export function ProjectTitleEditor({
  title,
  disabled,
  onSave,
}: {
  title: string;
  disabled?: boolean;
  onSave: (title: string) => Promise<unknown>;
}) {
  const [draft, setDraft] = useState(title);
  const [savedTitle, setSavedTitle] = useState(title);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (title !== savedTitle) {
    setSavedTitle(title);
    setDraft(title);
  }

  const commit = async () => {
    const next = draft.trim();
    if (next === title) {
      setDraft(title);
      setError(null);
      return;
    }
    if (!next) {
      setError("The title can't be empty.");
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await onSave(next);
    } catch (caught) {
      const apiError = toApiError(caught);
      setError(apiError.fieldMessage("title") ?? apiError.message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="grid min-w-0 flex-1 gap-1">
      <label htmlFor="project-title" className="sr-only">
        Project title
      </label>
      <input
        id="project-title"
        value={draft}
        maxLength={200}
        disabled={disabled || saving}
        onChange={(event) => setDraft(event.target.value)}
        onBlur={() => void commit()}
        onKeyDown={(event) => {
          if (event.key === "Enter") event.currentTarget.blur();
          if (event.key === "Escape") {
            setDraft(title);
            setError(null);
            event.currentTarget.blur();
          }
        }}
        {...fieldErrorAria("project-title", error)}
        className={cn(
          "-mx-2 w-full min-w-0 truncate rounded-md border border-transparent bg-transparent px-2 py-1 text-2xl font-semibold tracking-tight outline-none hover:border-input focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/40 disabled:opacity-70",
          error && "border-destructive",
        )}
      />
      <FieldError id={fieldErrorId("project-title")}>{error}</FieldError>
    </div>
  );
}
