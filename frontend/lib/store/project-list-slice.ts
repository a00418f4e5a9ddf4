import * as api from "@/lib/api";
import { ApiError, toApiError } from "@/lib/api";
import type { LoadStatus, SliceCreator } from "@/lib/store/types";
import type { ImportStoryRequest, Project, ProjectCreateRequest, ProjectDetail } from "@/lib/types";

/** The dashboard's paginated project list. */
export interface ProjectListSlice {
  projects: Project[];
  count: number;
  nextPage: number | null;
  listStatus: LoadStatus;
  listError: ApiError | null;
  loadingMore: boolean;
  /** Loads page 1; `quiet` keeps the current list on screen (and an error to itself) while refreshing. */
  loadProjects: (options?: { quiet?: boolean }) => Promise<void>;
  loadMoreProjects: () => Promise<void>;
  createProject: (data: ProjectCreateRequest) => Promise<Project>;
  importStory: (data: ImportStoryRequest) => Promise<ProjectDetail>;
  deleteProject: (id: string) => Promise<void>;
}

function pageFromUrl(url: string | null | undefined): number | null {
  if (!url) return null;
  try {
    const page = new URL(url, "http://placeholder").searchParams.get("page");
    return page ? Number(page) : null;
  } catch {
    return null;
  }
}

export const createProjectListSlice: SliceCreator<ProjectListSlice> = (set, get) => ({
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
});
