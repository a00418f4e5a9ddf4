import * as api from "@/lib/api";
import { ApiError, toApiError } from "@/lib/api";
import type { LoadStatus, SliceCreator } from "@/lib/store/types";
import type {
  Project,
  ProjectDetail,
  ProjectUpdateRequest,
  Segment,
  SegmentUpdateRequest,
} from "@/lib/types";

/** The open project (editor) and its segments. */
export interface ProjectSlice {
  project: ProjectDetail | null;
  loadStatus: LoadStatus;
  loadError: ApiError | null;
  /** Loads a project and adopts its render state; switching projects first drops the previous one's state. */
  loadProject: (id: string) => Promise<void>;
  /** Quietly refreshes the loaded project (no loading state); ignores other ids. */
  reloadProject: (id?: string) => Promise<void>;
  updateProject: (patch: ProjectUpdateRequest) => Promise<void>;
  /** Uploads the project's background music (`music_file`); remove it with `updateProject({ music_file: null })`. */
  uploadMusic: (file: File, onProgress?: (fraction: number) => void) => Promise<void>;
  addSegment: () => Promise<Segment>;
  saveSegment: (segmentId: string, patch: SegmentUpdateRequest) => Promise<Segment>;
  uploadImage: (segmentId: string, file: File, onProgress?: (fraction: number) => void) => Promise<Segment>;
  uploadAudio: (segmentId: string, file: File, onProgress?: (fraction: number) => void) => Promise<Segment>;
  /** Adds a picture after the segment's others (at most 3; they share its narration time). */
  addImage: (segmentId: string, file: File, onProgress?: (fraction: number) => void) => Promise<Segment>;
  /** Removes picture `index` (0-based in `images`); the later ones move up. */
  removeImage: (segmentId: string, index: number) => Promise<Segment>;
  /** Puts the pictures in a new order (current indices in the new order; the first becomes `image_file`). */
  reorderImages: (segmentId: string, order: number[]) => Promise<Segment>;
  deleteSegment: (segmentId: string) => Promise<void>;
  /** Moves a segment one place up (-1) or down (+1), optimistically; the old order comes back on refusal. */
  moveSegment: (segmentId: string, offset: -1 | 1) => Promise<void>;
  /** Merges field changes into the loaded segments by id (e.g. narrations finished by a task). */
  patchSegments: (patches: ReadonlyMap<string, Partial<Segment>>) => void;
  /** Forgets the project and stops its narration pollers. */
  resetProject: () => void;
  /** How many of the open project's writes (saves, uploads, deletes, reorders) are in flight. */
  pendingWrites: number;
  /**
   * Waits until no write is in flight, including writes started while waiting, so that a render or preview started
   * right after a change sees it. Resolves with the messages of the writes that failed meanwhile (empty when all
   * were saved); never rejects.
   */
  settleWrites: () => Promise<string[]>;
}

const initialProjectData = {
  project: null,
  loadStatus: "idle",
  loadError: null,
} satisfies Partial<ProjectSlice>;

type Write<A extends unknown[], R> = (...args: A) => Promise<R>;

/** The Project fields (without segments) of a detail, refreshed from a PATCH response. */
function mergeProject(detail: ProjectDetail, update: Project): ProjectDetail {
  return { ...detail, ...update, segments: detail.segments };
}

export const createProjectSlice: SliceCreator<ProjectSlice> = (set, get) => {
  const setSegments = (update: (segments: Segment[]) => Segment[]) =>
    set((state) =>
      state.project ? { project: { ...state.project, segments: update(state.project.segments) } } : {},
    );

  const replaceSegment = (segment: Segment) =>
    setSegments((segments) => segments.map((s) => (s.id === segment.id ? segment : s)));

  // Writes in flight: a render asked for right after a change must wait for it (the server refuses edits once a
  // render is accepted, so a change still on the wire would be lost to that render).
  const inFlight = new Set<Promise<unknown>>();
  const tracked =
    <A extends unknown[], R>(write: Write<A, R>): Write<A, R> =>
    (...args) => {
      const promise = write(...args);
      inFlight.add(promise);
      set({ pendingWrites: inFlight.size });
      promise
        .finally(() => {
          inFlight.delete(promise);
          set({ pendingWrites: inFlight.size });
        })
        .catch(() => undefined); // the caller handles the failure; this chain only keeps the count
      return promise;
    };

  const requireProject = (): ProjectDetail => {
    const { project } = get();
    if (!project) throw new ApiError("No project is open.", { status: null });
    return project;
  };

  return {
    ...initialProjectData,
    pendingWrites: 0,

    settleWrites: async () => {
      const failures: string[] = [];
      while (inFlight.size > 0) {
        for (const result of await Promise.allSettled([...inFlight])) {
          if (result.status === "rejected") failures.push(toApiError(result.reason).message);
        }
      }
      return failures;
    },

    loadProject: async (id) => {
      if (get().project?.id !== id) {
        get().resetNarration();
        set({ ...initialProjectData });
      }
      set({ loadStatus: "loading", loadError: null });
      try {
        const project = await api.getProject(id);
        set({ project, loadStatus: "ready", loadError: null });
        get().syncRenderFromProject(project);
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

    updateProject: tracked(async (patch) => {
      const project = requireProject();
      const updated = await api.updateProject(project.id, patch);
      set((state) => (state.project ? { project: mergeProject(state.project, updated) } : {}));
    }),
    uploadMusic: tracked(async (file, onProgress) => {
      const project = requireProject();
      const updated = await api.uploadProjectMusic(project.id, file, onProgress);
      set((state) => (state.project ? { project: mergeProject(state.project, updated) } : {}));
    }),
    addSegment: tracked(async () => {
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
    }),
    saveSegment: tracked(async (segmentId, patch) => {
      const segment = await api.updateSegment(segmentId, patch);
      replaceSegment(segment);
      return segment;
    }),
    uploadImage: tracked(async (segmentId, file, onProgress) => {
      const segment = await api.uploadSegmentImage(segmentId, file, onProgress);
      replaceSegment(segment);
      if (segment.sequence_index === 0) void get().reloadProject();
      return segment;
    }),
    addImage: tracked(async (segmentId, file, onProgress) => {
      const segment = await api.addSegmentImage(segmentId, file, onProgress);
      replaceSegment(segment);
      return segment;
    }),
    removeImage: tracked(async (segmentId, index) => {
      const segment = await api.removeSegmentImage(segmentId, index);
      replaceSegment(segment);
      if (segment.sequence_index === 0 && index === 0) void get().reloadProject();
      return segment;
    }),
    reorderImages: tracked(async (segmentId, order) => {
      const segment = await api.reorderSegmentImages(segmentId, order);
      replaceSegment(segment);
      if (segment.sequence_index === 0 && order[0] !== 0) void get().reloadProject();
      return segment;
    }),
    uploadAudio: tracked(async (segmentId, file, onProgress) => {
      const segment = await api.uploadSegmentAudio(segmentId, file, onProgress);
      replaceSegment(segment);
      get().clearNarrationError(segmentId);
      return segment;
    }),
    deleteSegment: tracked(async (segmentId) => {
      await api.deleteSegment(segmentId);
      set((state) => {
        if (!state.project) return {};
        const segments = state.project.segments
          .filter((s) => s.id !== segmentId)
          .map((s, index) => ({ ...s, sequence_index: index }));
        return { project: { ...state.project, segments, segment_count: segments.length } };
      });
    }),
    moveSegment: tracked(async (segmentId, offset) => {
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
      setSegments(() => optimistic);
      try {
        const segments = await api.reorderSegments(
          project.id,
          optimistic.map((s) => s.id),
        );
        setSegments(() => [...segments].sort((a, b) => a.sequence_index - b.sequence_index));
      } catch (error) {
        setSegments(() => previous);
        throw toApiError(error);
      }
    }),
    patchSegments: (patches) => {
      if (patches.size === 0) return;
      setSegments((segments) =>
        segments.map((s) => {
          const patch = patches.get(s.id);
          return patch ? { ...s, ...patch } : s;
        }),
      );
    },

    resetProject: () => {
      get().resetNarration();
      set({ ...initialProjectData });
    },
  };
};
