import * as api from "@/lib/api";
import { ApiError, toApiError } from "@/lib/api";
import { startPolling } from "@/lib/polling";
import type { SliceCreator } from "@/lib/store/types";
import type { GenerateAllNarrationResponse, ProgressRecord, Segment, TaskStatusResponse } from "@/lib/types";

/** How often a narration task is asked for. */
export const NARRATION_POLL_INTERVAL_MS = 1_500;
/** Failed task polls in a row (about 30 s at the interval above) after which a task is given up on. */
const MAX_MISSED_POLLS = 20;

export interface BatchNarration {
  taskId: string;
  progress: ProgressRecord | null;
  /** Segments the batch is expected to narrate and that have not finished yet. */
  pendingSegmentIds: string[];
}

/** Narration tasks of the open project: one per segment, or the "Generate all narration" batch. */
export interface NarrationSlice {
  /** Segments whose own narration task is queued or running. */
  narrationPending: Record<string, true>;
  /** Segment id → why its narration could not be generated. */
  narrationErrors: Record<string, string>;
  /** The "Generate all narration" task, while it runs. */
  batchNarration: BatchNarration | null;
  /** POST generate-audio for one segment, then follows the task the server names until it ends. */
  generateNarration: (segmentId: string) => Promise<void>;
  /** POST generate-all-audio (unlocked segments only); follows the batch task when the server starts one. */
  generateAllNarration: () => Promise<GenerateAllNarrationResponse>;
  clearNarrationError: (segmentId: string) => void;
  /** Stops every narration poller and forgets the narration state. */
  resetNarration: () => void;
}

const initialNarrationData = {
  narrationPending: {},
  narrationErrors: {},
  batchNarration: null,
} satisfies Partial<NarrationSlice>;

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}

function queuedProgress(totalSegments: number): ProgressRecord {
  return {
    current_segment: 0,
    total_segments: totalSegments,
    percentage: 0,
    current_phase: "Queued",
    stage: "QUEUED",
    eta_seconds: null,
  };
}

export const createNarrationSlice: SliceCreator<NarrationSlice> = (set, get) => {
  /** Task id → stop function of its poller; one map per store instance. */
  const pollers = new Map<string, () => void>();

  /** Applies finished narrations as they arrive so players appear without waiting for the whole batch. */
  const applyNarrations = (status: TaskStatusResponse) => {
    const patches = new Map<string, Partial<Segment>>(
      status.completed_segments.map((c) => [
        c.segment_id,
        {
          audio_file: c.audio_url,
          audio_duration: c.audio_duration,
          audio_matches_text: true,
          needs_narration: false,
        },
      ]),
    );
    get().patchSegments(patches);
  };

  const recordNarrationErrors = (status: TaskStatusResponse) => {
    const errors = status.errors.flatMap((e) => (e.segment_id ? [[e.segment_id, e.error] as const] : []));
    if (errors.length === 0) return;
    set((state) => ({ narrationErrors: { ...state.narrationErrors, ...Object.fromEntries(errors) } }));
  };

  const updateBatch = (taskId: string, status: TaskStatusResponse) => {
    const batch = get().batchNarration;
    if (batch?.taskId !== taskId) return;
    const finished = new Set([
      ...status.completed_segments.map((c) => c.segment_id),
      ...status.errors.map((e) => e.segment_id),
    ]);
    set({
      batchNarration: {
        taskId,
        progress: status.progress,
        pendingSegmentIds: batch.pendingSegmentIds.filter((id) => !finished.has(id)),
      },
    });
  };

  /** Polls a narration task until it ends, then refreshes the project. */
  const followTask = (
    taskId: string,
    onEnd: (status: TaskStatusResponse | null, error?: ApiError) => void,
  ) => {
    pollers.get(taskId)?.();
    let misses = 0;
    const end = (status: TaskStatusResponse | null, error?: ApiError) => {
      pollers.delete(taskId);
      onEnd(status, error);
      void get().reloadProject();
      return "stop" as const;
    };
    const stop = startPolling(
      async () => {
        try {
          const status = await api.getTaskStatus(taskId);
          misses = 0;
          applyNarrations(status);
          updateBatch(taskId, status);
          if (status.status === "COMPLETED" || status.status === "FAILED") {
            recordNarrationErrors(status);
            return end(status);
          }
          return "continue";
        } catch (error) {
          const apiError = toApiError(error);
          misses += 1;
          // An unknown task (404) or a backend that stays away: give up and show what we know.
          if (apiError.status === 404 || misses >= MAX_MISSED_POLLS) return end(null, apiError);
          return "continue";
        }
      },
      { intervalMs: NARRATION_POLL_INTERVAL_MS, immediate: false },
    );
    pollers.set(taskId, stop);
  };

  return {
    ...initialNarrationData,

    generateNarration: async (segmentId) => {
      set((state) => ({
        narrationPending: { ...state.narrationPending, [segmentId]: true },
        narrationErrors: withoutKey(state.narrationErrors, segmentId),
      }));
      const finish = (error?: string) =>
        set((state) => ({
          narrationPending: withoutKey(state.narrationPending, segmentId),
          narrationErrors: error ? { ...state.narrationErrors, [segmentId]: error } : state.narrationErrors,
        }));
      try {
        const task = await api.generateNarration(segmentId);
        followTask(task.task_id, (status, error) => {
          if (error) finish(error.message);
          else if (status?.status === "FAILED") {
            finish(
              status.errors.find((e) => e.segment_id === segmentId)?.error ??
                "Narration could not be generated.",
            );
          } else finish();
        });
      } catch (error) {
        finish(toApiError(error).message);
      }
    },

    generateAllNarration: async () => {
      const project = get().project;
      if (!project) throw new ApiError("No project is open.", { status: null });
      const result = await api.generateAllNarration(project.id, { skip_locked: true, force: false });
      if (result.task_id) {
        const taskId = result.task_id;
        set({
          batchNarration: {
            taskId,
            progress: queuedProgress(result.segments_to_process),
            // The server's own rule, sent per segment (generate-all-audio with its defaults narrates these).
            pendingSegmentIds: project.segments.filter((s) => s.needs_narration).map((s) => s.id),
          },
        });
        followTask(taskId, () => {
          if (get().batchNarration?.taskId === taskId) set({ batchNarration: null });
        });
      }
      return result;
    },

    clearNarrationError: (segmentId) => {
      set((state) => ({ narrationErrors: withoutKey(state.narrationErrors, segmentId) }));
    },

    resetNarration: () => {
      for (const stop of pollers.values()) stop();
      pollers.clear();
      set({ ...initialNarrationData });
    },
  };
};
