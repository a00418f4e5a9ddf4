"use client";

import { useState, type ReactNode } from "react";

import { SaveIndicator } from "@/components/editor/save-indicator";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { useAutosave } from "@/lib/hooks/use-autosave";
import { cn } from "@/lib/utils";

export interface AutosaveTextareaProps {
  id: string;
  label: string;
  /** The saved (server) value. */
  value: string;
  onSave: (value: string) => Promise<unknown>;
  disabled?: boolean;
  placeholder?: string;
  /** Controls shown next to the label, e.g. a copy button. */
  actions?: ReactNode;
  /** Shown under the field, e.g. a warning. */
  children?: ReactNode;
  className?: string;
  textareaClassName?: string;
}

/** A labelled textarea that saves itself shortly after typing stops, and on blur. */
export function AutosaveTextarea({
  id,
  label,
  value,
  onSave,
  disabled,
  placeholder,
  actions,
  children,
  className,
  textareaClassName,
}: AutosaveTextareaProps) {
  const autosave = useAutosave(onSave);
  const [draft, setDraft] = useState(value);
  const [serverValue, setServerValue] = useState(value);

  // Adopt a new server value (e.g. after a refresh) unless the person is in the middle of editing.
  if (value !== serverValue) {
    setServerValue(value);
    if (autosave.status !== "dirty" && autosave.status !== "saving" && autosave.status !== "error")
      setDraft(value);
  }

  return (
    <div className={cn("grid gap-1.5", className)}>
      <div className="flex min-h-7 items-center justify-between gap-2">
        <Label htmlFor={id}>{label}</Label>
        <div className="flex items-center gap-2">
          <SaveIndicator
            status={autosave.status}
            error={autosave.error}
            onRetry={() => void autosave.flush()}
          />
          {actions}
        </div>
      </div>
      <Textarea
        id={id}
        value={draft}
        disabled={disabled}
        placeholder={placeholder}
        className={textareaClassName}
        aria-invalid={autosave.status === "error" ? true : undefined}
        onChange={(event) => {
          setDraft(event.target.value);
          autosave.schedule(event.target.value);
        }}
        onBlur={() => void autosave.flush()}
      />
      {children}
    </div>
  );
}
