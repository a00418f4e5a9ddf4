import { create } from "zustand";

import * as api from "@/lib/api";
import { ApiError, toApiError } from "@/lib/api";
import { startPolling, type PollDecision } from "@/lib/polling";
import type {
  GenerateAllNarrationResponse,
  ImportStoryRequest,
  Project,
  ProjectCreateRequest,
  ProjectDetail,
  ProjectUpdateRequest,
  RenderProgress,
  RenderStatusResponse,
  RenderValidationError,
  Segment,
  SegmentUpdateRequest,
  TaskProgress,
  TaskStatusResponse,
} from "@/lib/types";

/** How often the render status is asked for while a render runs. */
export const RENDER_POLL_INTERVAL_MS = 3_000;
/** How often a narration task is asked for. */
export const NARRATION_POLL_INTERVAL_MS = 1_500;

// ══ Render ═══════════════════════════════════════════════════════════════════════════════════════

export type RenderUiStatus = "idle" | "validating" | "rendering" | "completed" | "failed";

interface RenderData {
  /** The project the render state belongs to. */
  projectId: string | null;
  renderTaskId: string | null;
  renderStatus: RenderUiStatus;
  renderProgress: RenderProgress | null;
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
}

interface RenderActions {
  /** Adopts the render state recorded on a freshly loaded project (e.g. resume a render already running). */
  syncFromProject: (project: Project) => void;
  /** POST /render/: 'validating' → 'rendering', or 'failed' with the reason. */
  startRender: (projectId: string) => Promise<void>;
  /** Polls GET /status/ every 3 s until COMPLETED, FAILED or stopPolling(). Idempotent per project. */
  pollRenderStatus: (projectId: string) => void;
  stopPolling: () => void;
  /** Starts a real download of `<project title>.mp4` through the backend's attachment endpoint. */
  downloadVideo: (projectId?: string) => void;
  resetRenderState: () => void;
}

export type RenderStore = RenderData & RenderActions;

const initialRenderData: RenderData = {
  projectId: null,
  renderTaskId: null,
  renderStatus: "idle",
  renderProgress: null,
  outputUrl: null,
  renderError: null,
  missingImages: [],
  missingAudio: [],
  pollError: null,
  renderVersion: 0,
};

let stopRenderPoller: (() => void) | null = null;
let renderPollerProjectId: string | null = null;

function clearRenderPoller(): void {
  stopRenderPoller?.();
  stopRenderPoller = null;
  renderPollerProjectId = null;
}

function isRenderValidationError(body: unknown): body is RenderValidationError {
  return (
    typeof body === "object" &&
    body !== null &&
    Array.isArray((body as RenderValidationError).missing_images) &&
    Array.isArray((body as RenderValidationError).missing_audio)
  );
}

/** Keeps the bar from ever moving backwards, whatever order responses arrive in. */
function mergeProgress(previous: RenderProgress | null, next: RenderProgress | null): RenderProgress | null {
  if (!next) return previous;
  if (!previous) return next;
  return { ...next, percentage: Math.max(previous.percentage, next.percentage) };
}

export const useRenderStore = create<RenderStore>()((set, get) => {
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
        void useProjectStore.getState().reloadProject(response.project_id);
        return "stop";
      case "FAILED":
        set({ renderStatus: "failed", renderError: response.error ?? "The render failed.", pollError: null });
        void useProjectStore.getState().reloadProject(response.project_id);
        return "stop";
      case "DRAFT":
        // Nothing is rendering (e.g. the backend restarted): fall back to the idle state.
        set({ renderStatus: "idle", renderProgress: null, pollError: null });
        return "stop";
    }
  };

  return {
    ...initialRenderData,

    syncFromProject: (project) => {
      const sameProject = get().projectId === project.id;
      const base = {
        projectId: project.id,
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
            renderTaskId: `render_${project.id}`,
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
      clearRenderPoller();
      set({
        projectId,
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
        if (apiError.status === 409 && apiError.body?.status === "PROCESSING") {
          // Someone (another tab) already started it: follow that render.
          set({ renderStatus: "rendering", renderTaskId: `render_${projectId}` });
          return;
        }
        const body = apiError.body;
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
      if (stopRenderPoller && renderPollerProjectId === projectId) return;
      clearRenderPoller();
      renderPollerProjectId = projectId;
      let stopped = false;
      const stop = startPolling(
        async () => {
          try {
            const response = await api.getRenderStatus(projectId);
            if (stopped) return "stop";
            const decision = applyStatus(response);
            if (decision === "stop") clearRenderPoller();
            return decision;
          } catch (error) {
            if (stopped) return "stop";
            const apiError = toApiError(error);
            if (apiError.status === 404) {
              set({ renderStatus: "failed", renderError: "This project no longer exists.", pollError: null });
              clearRenderPoller();
              return "stop";
            }
            set({ pollError: `${apiError.message} Retrying…` });
            return "continue";
          }
        },
        { intervalMs: RENDER_POLL_INTERVAL_MS },
      );
      stopRenderPoller = () => {
        stopped = true;
        stop();
      };
    },

    stopPolling: () => {
      clearRenderPoller();
    },

    downloadVideo: (projectId) => {
      const id = projectId ?? get().projectId;
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
      clearRenderPoller();
      set({ ...initialRenderData });
    },
  };
});

// ══ Editor: one project and its segments ═══════════════════════════════════════════════════════

export type LoadStatus = "idle" | "loading" | "ready" | "error";

export interface BatchNarration {
  taskId: string;
  progress: TaskProgress | null;
  /** Segments the batch is expected to narrate and that have not finished yet. */
  pendingSegmentIds: string[];
}

interface ProjectData {
  project: ProjectDetail | null;
  loadStatus: LoadStatus;
  loadError: ApiError | null;
  /** Segments whose own narration task is queued or running. */
  narrationPending: Record<string, true>;
  /** Segment id → why its narration could not be generated. */
  narrationErrors: Record<string, string>;
  /** The "Generate all narration" task, while it runs. */
  batchNarration: BatchNarration | null;
}

interface ProjectActions {
  loadProject: (id: string) => Promise<void>;
  /** Quietly refreshes the loaded project (no loading state); ignores other ids. */
  reloadProject: (id?: string) => Promise<void>;
  updateProject: (patch: ProjectUpdateRequest) => Promise<void>;
  addSegment: () => Promise<Segment>;
  saveSegment: (segmentId: string, patch: SegmentUpdateRequest) => Promise<Segment>;
  uploadImage: (segmentId: string, file: File, onProgress?: (fraction: number) => void) => Promise<Segment>;
  uploadAudio: (segmentId: string, file: File, onProgress?: (fraction: number) => void) => Promise<Segment>;
  deleteSegment: (segmentId: string) => Promise<void>;
  /** Moves a segment one place up (-1) or down (+1). */
  moveSegment: (segmentId: string, offset: -1 | 1) => Promise<void>;
  generateNarration: (segmentId: string) => Promise<void>;
  generateAllNarration: () => Promise<GenerateAllNarrationResponse>;
  resetProject: () => void;
}

export type ProjectStore = ProjectData & ProjectActions;

const initialProjectData: ProjectData = {
  project: null,
  loadStatus: "idle",
  loadError: null,
  narrationPending: {},
  narrationErrors: {},
  batchNarration: null,
};

const narrationPollers = new Map<string, () => void>();

function stopNarrationPollers(): void {
  for (const stop of narrationPollers.values()) stop();
  narrationPollers.clear();
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}

/** The Project fields (without segments) of a detail, refreshed from a PATCH response. */
function mergeProject(detail: ProjectDetail, update: Project): ProjectDetail {
  return { ...detail, ...update, segments: detail.segments };
}

export const useProjectStore = create<ProjectStore>()((set, get) => {
  const replaceSegment = (segment: Segment) =>
    set((state) =>
      state.project
        ? {
            project: {
              ...state.project,
              segments: state.project.segments.map((s) => (s.id === segment.id ? segment : s)),
            },
          }
        : {},
    );

  const requireProject = (): ProjectDetail => {
    const { project } = get();
    if (!project) throw new ApiError("No project is open.", { status: null });
    return project;
  };

  /** Applies finished narrations as they arrive so players appear without waiting for the whole batch. */
  const applyNarrations = (status: TaskStatusResponse) => {
    if (status.completed_segments.length === 0) return;
    set((state) => {
      if (!state.project) return {};
      const done = new Map(status.completed_segments.map((c) => [c.segment_id, c]));
      return {
        project: {
          ...state.project,
          segments: state.project.segments.map((s) => {
            const result = done.get(s.id);
            return result
              ? {
                  ...s,
                  audio_file: result.audio_url,
                  audio_duration: result.audio_duration,
                  audio_matches_text: true,
                }
              : s;
          }),
        },
      };
    });
  };

  const recordNarrationErrors = (status: TaskStatusResponse) => {
    if (status.errors.length === 0) return;
    set((state) => ({
      narrationErrors: {
        ...state.narrationErrors,
        ...Object.fromEntries(status.errors.map((e) => [e.segment_id, e.error])),
      },
    }));
  };

  /** Polls a narration task until it ends, then refreshes the project. */
  const followNarrationTask = (
    taskId: string,
    onEnd: (status: TaskStatusResponse | null, error?: ApiError) => void,
  ) => {
    narrationPollers.get(taskId)?.();
    let misses = 0;
    const stop = startPolling(
      async () => {
        try {
          const status = await api.getTaskStatus(taskId);
          misses = 0;
          applyNarrations(status);
          const batch = get().batchNarration;
          if (batch?.taskId === taskId) {
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
          }
          if (status.status === "COMPLETED" || status.status === "FAILED") {
            narrationPollers.delete(taskId);
            recordNarrationErrors(status);
            onEnd(status);
            void get().reloadProject();
            return "stop";
          }
          return "continue";
        } catch (error) {
          const apiError = toApiError(error);
          misses += 1;
          // An unknown task (404) or a backend that stays away: give up and show what we know.
          if (apiError.status === 404 || misses >= 20) {
            narrationPollers.delete(taskId);
            onEnd(null, apiError);
            void get().reloadProject();
            return "stop";
          }
          return "continue";
        }
      },
      { intervalMs: NARRATION_POLL_INTERVAL_MS, immediate: false },
    );
    narrationPollers.set(taskId, stop);
  };

  return {
    ...initialProjectData,

    loadProject: async (id) => {
      if (get().project?.id !== id) {
        stopNarrationPollers();
        set({ ...initialProjectData });
      }
      set({ loadStatus: "loading", loadError: null });
      try {
        const project = await api.getProject(id);
        set({ project, loadStatus: "ready", loadError: null });
        useRenderStore.getState().syncFromProject(project);
      } catch (error) {
        set({ loadStatus: "error", loadError: toApiError(error) });
      }
    },

    reloadProject: async (id) => {
      const current = get().project;
      if (!current || (id && id !== current.id)) return;
      try {
        const project = await api.getProject(current.id);
        if (get().project?.id === project.id) set({ project });
      } catch {
        // A quiet refresh: the next user action reports connection problems.
      }
    },

    updateProject: async (patch) => {
      const project = requireProject();
      const updated = await api.updateProject(project.id, patch);
      set((state) => (state.project ? { project: mergeProject(state.project, updated) } : {}));
    },

    addSegment: async () => {
      const project = requireProject();
      const segment = await api.createSegment({ project: project.id, text_content: "", image_prompt: "" });
      set((state) =>
        state.project
          ? {
              project: {
                ...state.project,
                segments: [...state.project.segments, segment],
                segment_count: state.project.segments.length + 1,
              },
            }
          : {},
      );
      return segment;
    },

    saveSegment: async (segmentId, patch) => {
      const segment = await api.updateSegment(segmentId, patch);
      replaceSegment(segment);
      return segment;
    },

    uploadImage: async (segmentId, file, onProgress) => {
      const segment = await api.uploadSegmentImage(segmentId, file, onProgress);
      replaceSegment(segment);
      if (segment.sequence_index === 0) void get().reloadProject();
      return segment;
    },

    uploadAudio: async (segmentId, file, onProgress) => {
      const segment = await api.uploadSegmentAudio(segmentId, file, onProgress);
      replaceSegment(segment);
      set((state) => ({ narrationErrors: withoutKey(state.narrationErrors, segmentId) }));
      return segment;
    },

    deleteSegment: async (segmentId) => {
      await api.deleteSegment(segmentId);
      set((state) => {
        if (!state.project) return {};
        const segments = state.project.segments
          .filter((s) => s.id !== segmentId)
          .map((s, index) => ({ ...s, sequence_index: index }));
        return { project: { ...state.project, segments, segment_count: segments.length } };
      });
    },

    moveSegment: async (segmentId, offset) => {
      const project = requireProject();
      const ordered = [...project.segments];
      const from = ordered.findIndex((s) => s.id === segmentId);
      const to = from + offset;
      if (from < 0 || to < 0 || to >= ordered.length) return;
      const [moved] = ordered.splice(from, 1);
      if (!moved) return;
      ordered.splice(to, 0, moved);
      const optimistic = ordered.map((s, index) => ({ ...s, sequence_index: index }));
      const previous = project.segments;
      set((state) => (state.project ? { project: { ...state.project, segments: optimistic } } : {}));
      try {
        const segments = await api.reorderSegments(
          project.id,
          optimistic.map((s) => s.id),
        );
        const sorted = [...segments].sort((a, b) => a.sequence_index - b.sequence_index);
        set((state) => (state.project ? { project: { ...state.project, segments: sorted } } : {}));
      } catch (error) {
        set((state) => (state.project ? { project: { ...state.project, segments: previous } } : {}));
        throw toApiError(error);
      }
    },

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
        followNarrationTask(task.task_id, (status, error) => {
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
      const project = requireProject();
      const result = await api.generateAllNarration(project.id, { skip_locked: true, force: false });
      if (result.task_id) {
        const taskId = result.task_id;
        // The same rule as the server's: unlocked, with text, and no narration or narration of older text.
        const pendingSegmentIds = project.segments
          .filter(
            (s) => !s.is_locked && s.text_content.trim() && (!s.audio_file || s.audio_matches_text === false),
          )
          .map((s) => s.id);
        set({
          batchNarration: {
            taskId,
            progress: {
              current_segment: 0,
              total_segments: result.segments_to_process,
              percentage: 0,
              current_phase: "Queued",
              stage: "QUEUED",
              eta_seconds: null,
            },
            pendingSegmentIds,
          },
        });
        followNarrationTask(taskId, () => {
          if (get().batchNarration?.taskId === taskId) set({ batchNarration: null });
        });
      }
      return result;
    },

    resetProject: () => {
      stopNarrationPollers();
      set({ ...initialProjectData });
    },
  };
});

// ══ Dashboard: the project list ══════════════════════════════════════════════════════════════

interface ProjectListData {
  projects: Project[];
  count: number;
  nextPage: number | null;
  listStatus: LoadStatus;
  listError: ApiError | null;
  loadingMore: boolean;
}

interface ProjectListActions {
  loadProjects: (options?: { quiet?: boolean }) => Promise<void>;
  loadMoreProjects: () => Promise<void>;
  createProject: (data: ProjectCreateRequest) => Promise<Project>;
  importStory: (data: ImportStoryRequest) => Promise<ProjectDetail>;
  deleteProject: (id: string) => Promise<void>;
}

export type ProjectListStore = ProjectListData & ProjectListActions;

function pageFromUrl(url: string | null): number | null {
  if (!url) return null;
  try {
    const page = new URL(url, "http://placeholder").searchParams.get("page");
    return page ? Number(page) : null;
  } catch {
    return null;
  }
}

export const useProjectListStore = create<ProjectListStore>()((set, get) => ({
  projects: [],
  count: 0,
  nextPage: null,
  listStatus: "idle",
  listError: null,
  loadingMore: false,

  loadProjects: async ({ quiet = false } = {}) => {
    if (!quiet) set({ listStatus: "loading", listError: null });
    try {
      const page = await api.listProjects(1);
      set({
        projects: page.results,
        count: page.count,
        nextPage: pageFromUrl(page.next),
        listStatus: "ready",
        listError: null,
      });
    } catch (error) {
      if (!quiet || get().listStatus !== "ready") set({ listStatus: "error", listError: toApiError(error) });
    }
  },

  loadMoreProjects: async () => {
    const { nextPage, loadingMore } = get();
    if (!nextPage || loadingMore) return;
    set({ loadingMore: true });
    try {
      const page = await api.listProjects(nextPage);
      set((state) => {
        const known = new Set(state.projects.map((p) => p.id));
        return {
          projects: [...state.projects, ...page.results.filter((p) => !known.has(p.id))],
          count: page.count,
          nextPage: pageFromUrl(page.next),
        };
      });
    } finally {
      set({ loadingMore: false });
    }
  },

  createProject: async (data) => {
    const project = await api.createProject(data);
    set((state) => ({ projects: [project, ...state.projects], count: state.count + 1 }));
    return project;
  },

  importStory: async (data) => {
    const project = await api.importStory(data);
    set((state) => ({ projects: [project, ...state.projects], count: state.count + 1 }));
    return project;
  },

  deleteProject: async (id) => {
    await api.deleteProject(id);
    set((state) => ({
      projects: state.projects.filter((p) => p.id !== id),
      count: Math.max(0, state.count - 1),
    }));
  },
}));
