import { create } from "zustand";

import { createNarrationSlice } from "@/lib/store/narration-slice";
import { createProjectListSlice } from "@/lib/store/project-list-slice";
import { createProjectSlice } from "@/lib/store/project-slice";
import { createRenderSlice } from "@/lib/store/render-slice";
import { createSettingsSlice } from "@/lib/store/settings-slice";
import type { AppState } from "@/lib/store/types";

export type { AppState, LoadStatus } from "@/lib/store/types";
export type { BatchNarration } from "@/lib/store/narration-slice";
export { NARRATION_POLL_INTERVAL_MS } from "@/lib/store/narration-slice";
export type { RenderUiStatus } from "@/lib/store/render-slice";
export {
  CANCEL_POLL_INTERVAL_MS,
  CANCELLED_KEPT_NOTICE,
  CANCELLED_NOTICE,
  NOTHING_TO_CANCEL_NOTICE,
  RENDER_POLL_INTERVAL_MS,
} from "@/lib/store/render-slice";

/**
 * The app's one Zustand store, composed of slices (Zustand's slices pattern): the project list (dashboard), the
 * open project and its segments, narration tasks, the render, and the global settings. A slice reaches another
 * slice's actions only through `get()`. Pollers (render status, narration tasks) live in closures of this store
 * instance, never in module globals, and stop on the slice's reset action.
 */
export const useAppStore = create<AppState>()((...a) => ({
  ...createProjectListSlice(...a),
  ...createProjectSlice(...a),
  ...createNarrationSlice(...a),
  ...createRenderSlice(...a),
  ...createSettingsSlice(...a),
}));
