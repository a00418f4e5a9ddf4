"use client";

import { useRef, useState, type RefObject } from "react";

import { toApiError } from "@/lib/api";

export interface FileUpload {
  /** For the hidden `<input type="file">`; it is cleared after each upload so the same file can be picked again. */
  inputRef: RefObject<HTMLInputElement | null>;
  /** Fraction uploaded (0–1) while an upload runs, otherwise null. */
  progress: number | null;
  /** Why the last file was refused or its upload failed. */
  error: string | null;
  /** Check the file, then upload it; does nothing without a file. */
  upload: (file: File | undefined) => Promise<void>;
}

/**
 * One file upload with a client-side check, progress and an error message: the check's complaint, or the
 * server's message for `errorField` (else its general message).
 */
export function useFileUpload({
  check,
  errorField,
  onUpload,
}: {
  check: (file: File) => string | null;
  errorField: string;
  onUpload: (file: File, onProgress: (fraction: number) => void) => Promise<unknown>;
}): FileUpload {
  const inputRef = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const upload = async (file: File | undefined) => {
    if (!file) return;
    const problem = check(file);
    if (problem) {
      setError(problem);
      return;
    }
    setError(null);
    setProgress(0);
    try {
      await onUpload(file, setProgress);
    } catch (caught) {
      const apiError = toApiError(caught);
      setError(apiError.fieldMessage(errorField) ?? apiError.message);
    } finally {
      setProgress(null);
      if (inputRef.current) inputRef.current.value = "";
    }
  };

  return { inputRef, progress, error, upload };
}
