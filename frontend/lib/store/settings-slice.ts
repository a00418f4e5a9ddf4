import * as api from "@/lib/api";
import { ApiError, toApiError } from "@/lib/api";
import type { LoadStatus, SliceCreator } from "@/lib/store/types";
import type { GlobalSettings, GlobalSettingsUpdate, VoicesResponse } from "@/lib/types";

/** The global settings and the voices the speech engine offers. */
export interface SettingsSlice {
  settings: GlobalSettings | null;
  voices: VoicesResponse | null;
  settingsStatus: LoadStatus;
  settingsError: ApiError | null;
  /** GET /settings/ and /settings/voices/ together; resolves to the settings, or null when either failed. */
  loadSettings: () => Promise<GlobalSettings | null>;
  /** PATCH /settings/; resolves to the saved settings, rejects with an {@link ApiError} (field messages on 400). */
  saveSettings: (patch: GlobalSettingsUpdate) => Promise<GlobalSettings>;
}

export const createSettingsSlice: SliceCreator<SettingsSlice> = (set) => ({
  settings: null,
  voices: null,
  settingsStatus: "idle",
  settingsError: null,

  loadSettings: async () => {
    set({ settingsStatus: "loading", settingsError: null });
    try {
      const [settings, voices] = await Promise.all([api.getSettings(), api.getVoices()]);
      set({ settings, voices, settingsStatus: "ready", settingsError: null });
      return settings;
    } catch (error) {
      set({ settingsStatus: "error", settingsError: toApiError(error) });
      return null;
    }
  },

  saveSettings: async (patch) => {
    const settings = await api.updateSettings(patch);
    set({ settings });
    return settings;
  },
});
