"use client";

import { Loader2Icon } from "lucide-react";
import { useState, type FormEvent, type ReactNode } from "react";

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

export interface FormDialogProps {
  /** The element that opens the dialog. */
  trigger: ReactNode;
  title: ReactNode;
  description: ReactNode;
  /** Text of the submit button. */
  submitLabel: string;
  /** A submit is running: the dialog can't be closed and its buttons are disabled. */
  pending: boolean;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  /** The dialog was dismissed (Escape, the close button, a click outside): clear the form. */
  onDismiss: () => void;
  className?: string;
  /** The form's fields. */
  children: ReactNode;
}

/** A dialog around one form: header, fields, then Cancel and a submit button that spins while pending. */
export function FormDialog({
  trigger,
  title,
  description,
  submitLabel,
  pending,
  onSubmit,
  onDismiss,
  className,
  children,
}: FormDialogProps) {
  const [open, setOpen] = useState(false);
  const changeOpen = (next: boolean) => {
    if (pending) return;
    setOpen(next);
    if (!next) onDismiss();
  };

  return (
    <Dialog open={open} onOpenChange={changeOpen}>
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent className={className}>
        <form onSubmit={onSubmit} className="grid gap-5" noValidate>
          <DialogHeader>
            <DialogTitle>{title}</DialogTitle>
            <DialogDescription>{description}</DialogDescription>
          </DialogHeader>
          {children}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => changeOpen(false)} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending}>
              {pending && <Loader2Icon className="animate-spin" aria-hidden="true" />}
              {submitLabel}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
