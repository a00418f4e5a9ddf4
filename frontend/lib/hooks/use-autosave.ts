"use client";

import { useCallback, useEffect, useRef, useState } from "react";

import { toApiError } from "@/lib/api";

export type AutosaveStatus = "idle" | "dirty" | "saving" | "saved" | "error";

export interface Autosave {
  status: AutosaveStatus;
  error: string | null;
  /** Record a new value; it is saved `delayMs` after the last change. */
  schedule: (value: string) => void;
  /** Save a scheduled value now (e.g. on blur). */
  flush: () => Promise<void>;
}

/**
 * Debounced saving of one text value. Saves run one after another (never two requests racing for the same
 * field), a pending value is saved when the component unmounts, and the status drives a saved/saving indicator.
 */
export function useAutosave(save: (value: string) => Promise<unknown>, delayMs = 800): Autosave {
  const [status, setStatus] = useState<AutosaveStatus>("idle");
  const [error, setError] = useState<string | null>(null);
  const saveRef = useRef(save);
  const pendingRef = useRef<string | null>(null);
  const timerRef = useRef<ReturnType<typeof setTimeout> | null>(null);
  const queueRef = useRef<Promise<void>>(Promise.resolve());

  useEffect(() => {
    saveRef.current = save;
  }, [save]);

  const flush = useCallback((): Promise<void> => {
    if (timerRef.current !== null) {
      clearTimeout(timerRef.current);
      timerRef.current = null;
    }
    const value = pendingRef.current;
    if (value === null) return queueRef.current;
    pendingRef.current = null;
    setStatus("saving");
    setError(null);
    queueRef.current = queueRef.current.then(async () => {
      try {
        await saveRef.current(value);
        // A newer value typed while this one was saving keeps the "unsaved" state.
        if (pendingRef.current === null) setStatus("saved");
      } catch (caught) {
        if (pendingRef.current === null) pendingRef.current = value;
        setStatus("error");
        setError(toApiError(caught).message);
      }
    });
    return queueRef.current;
  }, []);

  const schedule = useCallback(
    (value: string) => {
      pendingRef.current = value;
      setStatus("dirty");
      if (timerRef.current !== null) clearTimeout(timerRef.current);
      timerRef.current = setTimeout(() => void flush(), delayMs);
    },
    [delayMs, flush],
  );

  useEffect(
    () => () => {
      void flush();
    },
    [flush],
  );

  return { status, error, schedule, flush };
}
