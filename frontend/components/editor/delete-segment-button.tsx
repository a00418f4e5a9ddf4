"use client";

import { ConfirmDeleteDialog } from "@/components/confirm-delete-dialog";

/** Trash button that confirms before deleting one segment with its image and narration. */
export function DeleteSegmentButton({
  segmentNumber,
  disabled,
  onDelete,
}: {
  segmentNumber: number;
  disabled?: boolean;
  onDelete: () => Promise<void>;
}) {
  return (
    <ConfirmDeleteDialog
      triggerLabel={`Delete segment ${segmentNumber}`}
      triggerDisabled={disabled}
      title={<>Delete segment {segmentNumber}?</>}
      description={
        <>
          Its narration text, image prompt, image and narration audio will be removed. This can&apos;t be
          undone.
        </>
      }
      confirmLabel="Delete segment"
      onConfirm={onDelete}
    />
  );
}
