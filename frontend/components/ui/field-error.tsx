import * as React from "react";

import { cn } from "@/lib/utils";

/** A validation message under an input; pair its `id` with the input's `aria-describedby`. */
export function FieldError({
  id,
  children,
  className,
}: {
  id?: string;
  children?: React.ReactNode;
  className?: string;
}) {
  if (!children) return null;
  return (
    <p id={id} role="alert" className={cn("text-sm text-destructive", className)}>
      {children}
    </p>
  );
}
