"use client";

import { ConfirmDeleteDialog } from "@/components/confirm-delete-dialog";
import { useAppStore } from "@/lib/store";

/** Trash button that asks before deleting the project with everything in it. */
export function DeleteProjectDialog({ projectId, title }: { projectId: string; title: string }) {
  const deleteProject = useAppStore((s) => s.deleteProject);
  return (
    <ConfirmDeleteDialog
      triggerLabel={`Delete ${title}`}
      title={<>Delete “{title}”?</>}
      description={
        <>
          The project, its segments, images, narration and rendered video will be removed. This can&apos;t be
          undone.
        </>
      }
      confirmLabel="Delete project"
      onConfirm={() => deleteProject(projectId)}
    />
  );
}
