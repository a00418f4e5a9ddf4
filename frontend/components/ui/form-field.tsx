import * as React from "react";

import { FieldError } from "@/components/ui/field-error";
import { Label } from "@/components/ui/label";
import { cn } from "@/lib/utils";

/** The id of a field's error message: `${id}-error`, as rendered by `FormField`. */
export function fieldErrorId(id: string): string {
  return `${id}-error`;
}

/** `aria-invalid` and `aria-describedby` for a control whose error, when there is one, is shown by `FormField`. */
export function fieldErrorAria(id: string, error: React.ReactNode) {
  return {
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? fieldErrorId(id) : undefined,
  } as const;
}

/** A labelled field: the label for the control with `id`, the control (children), then its validation message. */
export function FormField({
  id,
  label,
  error,
  className,
  children,
}: {
  id: string;
  label: React.ReactNode;
  error?: React.ReactNode;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <div className={cn("grid gap-2", className)}>
      <Label htmlFor={id}>{label}</Label>
      {children}
      <FieldError id={fieldErrorId(id)}>{error}</FieldError>
    </div>
  );
}
