import * as api from "@/lib/api";
import { toApiError } from "@/lib/api";
import { startPolling, type PollDecision } from "@/lib/polling";
import type { SliceCreator } from "@/lib/store/types";
import type { ProgressRecord, Project, RenderStatusResponse, RenderValidationError } from "@/lib/types";

/** How often the render status is asked for while a render runs (the seeds' 3 s). */
export const RENDER_POLL_INTERVAL_MS = 3_000;

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
  /** Adopts the render state recorded on a freshly loaded project (e.g. resume a render already running). */
  syncRenderFromProject: (project: Project) => void;
  /** POST /render/: 'validating' → 'rendering', or 'failed' with the reason. */
  startRender: (projectId: string) => Promise<void>;
  /** Polls GET /status/ every 3 s until COMPLETED, FAILED or stopPolling(). Idempotent per project. */
  pollRenderStatus: (projectId: string) => void;
  stopPolling: () => void;
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

export const createRenderSlice: SliceCreator<RenderSlice> = (set, get) => {
  /** The running status poller of this store instance, if any. */
  let poller: { projectId: string; stop: () => void } | null = null;

  const clearPoller = () => {
    poller?.stop();
    poller = null;
  };

  const applyStatus = (response: RenderStatusResponse): PollDecision => {
    switch (response.status) {
      case "PROCESSING":
        set((state) => ({
          renderStatus: "rendering",
          renderProgress: mergeProgress(state.renderProgress, response.progress),
          pollError: null,
        }));
        return "continue";
      case "COMPLETED":
        set((state) => ({
          renderStatus: "completed",
          renderProgress: response.progress ?? state.renderProgress,
          outputUrl: response.output_url ?? state.outputUrl,
          renderError: null,
          pollError: null,
          renderVersion: state.renderVersion + 1,
        }));
        void get().reloadProject(response.project_id);
        return "stop";
      case "FAILED":
        set({ renderStatus: "failed", renderError: response.error ?? "The render failed.", pollError: null });
        void get().reloadProject(response.project_id);
        return "stop";
      case "DRAFT":
        // Nothing is rendering (e.g. the backend restarted): fall back to the idle state.
        set({ renderStatus: "idle", renderProgress: null, pollError: null });
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
      });
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
      clearPoller();
      let stopped = false;
      const stop = startPolling(() => pollOnce(projectId, () => stopped), {
        intervalMs: RENDER_POLL_INTERVAL_MS,
      });
      poller = {
        projectId,
        stop: () => {
          stopped = true;
          stop();
        },
      };
    },

    stopPolling: () => {
      clearPoller();
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
