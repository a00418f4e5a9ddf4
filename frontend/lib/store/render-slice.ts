import * as api from "@/lib/api";
import { toApiError } from "@/lib/api";
import { startPolling, type PollDecision } from "@/lib/polling";
import type { SliceCreator } from "@/lib/store/types";
import type { ProgressRecord, Project, RenderStatusResponse, RenderValidationError } from "@/lib/types";

/** How often the render status is asked for while a render runs (the seeds' 3 s). */
export const RENDER_POLL_INTERVAL_MS = 3_000;
/** How often it is asked for after a cancel was accepted: the backend stops a running render within 2 s. */
export const CANCEL_POLL_INTERVAL_MS = 1_000;

/** Shown after a cancelled render when the server's status carries no phase text of its own. */
export const CANCELLED_KEPT_NOTICE = "Render cancelled; the previous video is kept";
export const CANCELLED_NOTICE = "Render cancelled";
/** Shown when the cancel came too late (409: nothing of the project was queued or running any more). */
export const NOTHING_TO_CANCEL_NOTICE = "There was no render to cancel: it had already ended.";

export type RenderUiStatus = "idle" | "validating" | "rendering" | "completed" | "failed";

/** The render of the open project: start it, follow it, download the result. */
export interface RenderSlice {
  /** The project the render state belongs to. */
  renderProjectId: string | null;
  /** The task id the server named in its 202 (null when following a render started elsewhere). */
  renderTaskId: string | null;
  renderStatus: RenderUiStatus;
  renderProgress: ProgressRecord | null;
  /** URL-relative path of the latest good video (kept through a failed re-render). */
  outputUrl: string | null;
  renderError: string | null;
  /** Segment ids the server says lack an image / narration (from a 400 on render). */
  missingImages: string[];
  missingAudio: string[];
  /** Set while status polls fail (e.g. the backend went away); polling carries on. */
  pollError: string | null;
  /** Bumped on every completion seen live; a cache-buster fallback for the video URL. */
  renderVersion: number;
  /** The latest render job (`GET /jobs/{id}/`), as the status endpoint names it; null until known. */
  renderJobId: string | null;
  /** That job's last log lines (≤ 20), shown when a render fails. */
  renderLogTail: string[];
  /** True from a click on Cancel until the status leaves PROCESSING (or the cancel request fails). */
  renderCancelling: boolean;
  /** Why the last cancel request failed (network, 5xx); the render goes on and Cancel can be tried again. */
  cancelError: string | null;
  /** A note about how the last render ended without a new video, e.g. "Render cancelled". */
  renderNotice: string | null;
  /** Adopts the render state recorded on a freshly loaded project (e.g. resume a render already running). */
  syncRenderFromProject: (project: Project) => void;
  /** Waits for the project's writes in flight, then POST /render/: 'validating' → 'rendering', or 'failed' with the
   * reason (also when a change could not be saved). */
  startRender: (projectId: string) => Promise<void>;
  /** Polls GET /status/ every 3 s until COMPLETED, FAILED or stopPolling(). Idempotent per project. */
  pollRenderStatus: (projectId: string) => void;
  stopPolling: () => void;
  /**
   * POST /cancel/ for the running render: `renderCancelling` while the request and the stop are under way; after
   * the 202 the status is polled every second until it leaves PROCESSING, then `renderNotice` says the outcome
   * (COMPLETED: the previous video is kept; DRAFT: back to Export). A 409 (nothing runs any more) sets
   * `renderNotice` to {@link NOTHING_TO_CANCEL_NOTICE} and refreshes the status; other errors set `cancelError`.
   */
  cancelRender: (projectId?: string) => Promise<void>;
  /** Fills `renderJobId`/`renderLogTail` from GET /status/ when the project's last render FAILED (e.g. on load). */
  loadRenderLog: (projectId: string) => Promise<void>;
  /** Starts a real download of `<project title>.mp4` through the backend's attachment endpoint. */
  downloadVideo: (projectId?: string) => void;
  resetRenderState: () => void;
}

const initialRenderData = {
  renderProjectId: null,
  renderTaskId: null,
  renderStatus: "idle",
  renderProgress: null,
  outputUrl: null,
  renderError: null,
  missingImages: [],
  missingAudio: [],
  pollError: null,
  renderVersion: 0,
  renderJobId: null,
  renderLogTail: [],
  renderCancelling: false,
  cancelError: null,
  renderNotice: null,
} satisfies Partial<RenderSlice>;

function isRenderValidationError(body: unknown): body is RenderValidationError {
  return (
    typeof body === "object" &&
    body !== null &&
    Array.isArray((body as RenderValidationError).missing_images) &&
    Array.isArray((body as RenderValidationError).missing_audio)
  );
}

/** Keeps the bar from ever moving backwards, whatever order responses arrive in. */
function mergeProgress(previous: ProgressRecord | null, next: ProgressRecord | null): ProgressRecord | null {
  if (!next) return previous;
  if (!previous) return next;
  return { ...next, percentage: Math.max(previous.percentage, next.percentage) };
}

/** Whether a status says the latest render was cancelled (the job's stage, or the progress record's). */
function wasCancelled(response: RenderStatusResponse): boolean {
  return response.stage === "CANCELLED" || response.progress?.stage === "CANCELLED";
}

export const createRenderSlice: SliceCreator<RenderSlice> = (set, get) => {
  /** The running status poller of this store instance, if any. */
  let poller: { projectId: string; stop: () => void } | null = null;

  const clearPoller = () => {
    poller?.stop();
    poller = null;
  };

  const applyStatus = (response: RenderStatusResponse): PollDecision => {
    const job = { renderJobId: response.job_id, renderLogTail: response.log_tail, pollError: null };
    const cancelled = wasCancelled(response);
    switch (response.status) {
      case "PROCESSING":
        set((state) => ({
          ...job,
          renderStatus: "rendering",
          renderProgress: mergeProgress(state.renderProgress, response.progress),
        }));
        return "continue";
      case "COMPLETED":
        set((state) => ({
          ...job,
          renderStatus: "completed",
          renderProgress: response.progress ?? state.renderProgress,
          outputUrl: response.output_url ?? state.outputUrl,
          renderError: null,
          renderCancelling: false,
          // A cancelled re-render leaves the same video: no cache-busting reload of the player.
          renderVersion: cancelled ? state.renderVersion : state.renderVersion + 1,
          renderNotice: cancelled
            ? (response.progress?.current_phase ?? CANCELLED_KEPT_NOTICE)
            : state.renderNotice,
        }));
        void get().reloadProject(response.project_id);
        return "stop";
      case "FAILED":
        set({
          ...job,
          renderStatus: "failed",
          renderError: response.error ?? "The render failed.",
          renderCancelling: false,
        });
        void get().reloadProject(response.project_id);
        return "stop";
      case "DRAFT":
        // Nothing is rendering (a cancelled render without an earlier video, or the backend restarted): idle.
        set((state) => ({
          ...job,
          renderStatus: "idle",
          renderProgress: null,
          renderCancelling: false,
          renderNotice: cancelled ? CANCELLED_NOTICE : state.renderNotice,
        }));
        if (cancelled) void get().reloadProject(response.project_id);
        return "stop";
    }
  };

  const pollOnce = async (projectId: string, isStopped: () => boolean): Promise<PollDecision> => {
    try {
      const response = await api.getRenderStatus(projectId);
      if (isStopped()) return "stop";
      const decision = applyStatus(response);
      if (decision === "stop") clearPoller();
      return decision;
    } catch (error) {
      if (isStopped()) return "stop";
      const apiError = toApiError(error);
      if (apiError.status === 404) {
        set({ renderStatus: "failed", renderError: "This project no longer exists.", pollError: null });
        clearPoller();
        return "stop";
      }
      set({ pollError: `${apiError.message} Retrying…` });
      return "continue";
    }
  };

  /** (Re)starts this store's status poller for the project at the given pace; the first tick runs at once. */
  const startPoller = (projectId: string, intervalMs: number) => {
    clearPoller();
    let stopped = false;
    const stop = startPolling(() => pollOnce(projectId, () => stopped), { intervalMs });
    poller = {
      projectId,
      stop: () => {
        stopped = true;
        stop();
      },
    };
  };

  return {
    ...initialRenderData,

    syncRenderFromProject: (project) => {
      const sameProject = get().renderProjectId === project.id;
      const base = {
        renderProjectId: project.id,
        outputUrl: project.output_url,
        renderError: project.render_error,
        missingImages: [],
        missingAudio: [],
        pollError: null,
        cancelError: null,
        renderCancelling: sameProject && project.status === "PROCESSING" && get().renderCancelling,
        renderJobId: sameProject ? get().renderJobId : null,
        renderLogTail: sameProject ? get().renderLogTail : [],
        renderNotice: sameProject ? get().renderNotice : null,
      };
      switch (project.status) {
        case "PROCESSING":
          set({
            ...base,
            renderStatus: "rendering",
            renderProgress: sameProject ? get().renderProgress : null,
            renderTaskId: sameProject ? get().renderTaskId : null,
          });
          break;
        case "COMPLETED":
          set({ ...base, renderStatus: "completed", renderError: null });
          break;
        case "FAILED":
          set({
            ...base,
            renderStatus: "failed",
            renderError: project.render_error ?? "The last render failed.",
          });
          break;
        case "DRAFT":
          set({ ...base, renderStatus: "idle", renderProgress: null, renderError: null });
          break;
      }
    },

    startRender: async (projectId) => {
      const { renderStatus } = get();
      if (renderStatus === "validating" || renderStatus === "rendering") return;
      clearPoller();
      set({
        renderProjectId: projectId,
        renderTaskId: null,
        renderStatus: "validating",
        renderError: null,
        missingImages: [],
        missingAudio: [],
        pollError: null,
        renderProgress: null,
        renderJobId: null,
        renderLogTail: [],
        renderCancelling: false,
        cancelError: null,
        renderNotice: null,
      });
      // A change still being saved (a setting picked, text typed, a file uploading) belongs in this render: the
      // server refuses edits once the render is accepted.
      const failures = await get().settleWrites();
      if (failures.length > 0) {
        set({
          renderStatus: "failed",
          renderError: `Not exported: a change could not be saved (${failures[0]}). Correct it, then export again.`,
        });
        return;
      }
      try {
        const response = await api.renderProject(projectId);
        set({
          renderTaskId: response.task_id,
          renderStatus: "rendering",
          renderProgress: {
            current_segment: 0,
            total_segments: response.total_segments,
            percentage: 0,
            current_phase: "Queued",
            stage: "QUEUED",
            eta_seconds: null,
          },
        });
      } catch (error) {
        const apiError = toApiError(error);
        const body = apiError.body;
        if (apiError.status === 409 && body?.status === "PROCESSING") {
          // Someone (another tab) already started it: follow that render (by project; its task id is the server's).
          set({
            renderStatus: "rendering",
            renderTaskId: typeof body.task_id === "string" ? body.task_id : null,
          });
          return;
        }
        if (apiError.status === 400 && isRenderValidationError(body)) {
          set({
            renderStatus: "failed",
            renderError: body.message || body.error,
            missingImages: body.missing_images,
            missingAudio: body.missing_audio,
          });
          return;
        }
        set({ renderStatus: "failed", renderError: apiError.message });
      }
    },

    pollRenderStatus: (projectId) => {
      if (poller?.projectId === projectId) return;
      startPoller(projectId, RENDER_POLL_INTERVAL_MS);
    },

    stopPolling: () => {
      clearPoller();
    },

    cancelRender: async (projectId) => {
      const id = projectId ?? get().renderProjectId;
      const { renderStatus, renderCancelling } = get();
      if (!id || renderCancelling || renderStatus !== "rendering") return;
      set({ renderCancelling: true, cancelError: null, renderNotice: null });
      try {
        const response = await api.cancelRender(id);
        if (get().renderProjectId !== id) return; // another project was opened meanwhile
        if (applyStatus(response) === "stop") clearPoller();
        else startPoller(id, CANCEL_POLL_INTERVAL_MS);
      } catch (error) {
        if (get().renderProjectId !== id) return;
        const apiError = toApiError(error);
        if (apiError.status === 409) {
          // The render ended on its own just before: show how it ended.
          set({ renderCancelling: false, renderNotice: NOTHING_TO_CANCEL_NOTICE });
          startPoller(id, RENDER_POLL_INTERVAL_MS);
          return;
        }
        set({ renderCancelling: false, cancelError: `Could not cancel the render: ${apiError.message}` });
      }
    },

    loadRenderLog: async (projectId) => {
      try {
        const response = await api.getRenderStatus(projectId);
        const { renderProjectId, renderStatus } = get();
        if (response.status !== "FAILED" || renderProjectId !== projectId || renderStatus !== "failed")
          return;
        set({ renderJobId: response.job_id, renderLogTail: response.log_tail });
      } catch {
        // The log is an extra: the failure itself is already shown.
      }
    },

    downloadVideo: (projectId) => {
      const id = projectId ?? get().renderProjectId;
      if (!id || typeof document === "undefined") return;
      // The endpoint answers with Content-Disposition: attachment, so following the link downloads
      // `<project title>.mp4` and leaves this page where it is (a cross-origin `download` attribute is ignored).
      const link = document.createElement("a");
      link.href = api.getDownloadUrl(id);
      link.rel = "noopener";
      link.style.display = "none";
      document.body.appendChild(link);
      link.click();
      link.remove();
    },

    resetRenderState: () => {
      clearPoller();
      set({ ...initialRenderData });
    },
  };
};
