import { useCallback, useState } from "react";

import { toApiError } from "@/lib/api";

/**
 * Save-on-change state shared by the editor's settings panels: `save(value)` calls `onSave`, tracks `saving`, and on
 * failure keeps the server's message in `error` — the message of the first of `fields` the server named, else its
 * general message — and calls `onError` (e.g. to put a draft back). Never throws.
 */
export function useSave<T>(
  onSave: (value: T) => Promise<unknown>,
  fields: readonly string[] = [],
  onError?: () => void,
) {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = useCallback(
    async (value: T) => {
      setSaving(true);
      setError(null);
      try {
        await onSave(value);
      } catch (caught) {
        const apiError = toApiError(caught);
        const named = fields.map((f) => apiError.fieldMessage(f)).find((m) => m != null);
        setError(named ?? apiError.message);
        onError?.();
      } finally {
        setSaving(false);
      }
    },
    [onSave, fields, onError],
  );
  return { saving, error, save };
}
