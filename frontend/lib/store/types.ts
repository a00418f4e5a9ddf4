import type { StateCreator } from "zustand";

import type { NarrationSlice } from "@/lib/store/narration-slice";
import type { ProjectListSlice } from "@/lib/store/project-list-slice";
import type { ProjectSlice } from "@/lib/store/project-slice";
import type { RenderSlice } from "@/lib/store/render-slice";
import type { SettingsSlice } from "@/lib/store/settings-slice";

/** The whole app state: every slice's data and actions side by side (keys are unique across slices). */
export type AppState = ProjectListSlice & ProjectSlice & NarrationSlice & RenderSlice & SettingsSlice;

/** One slice of {@link AppState}: it sees the whole store through `get()`, and returns only its own part. */
export type SliceCreator<Slice> = StateCreator<AppState, [], [], Slice>;

export type LoadStatus = "idle" | "loading" | "ready" | "error";
