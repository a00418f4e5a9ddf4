import { http, HttpResponse } from "msw";

import { useAppStore } from "@/lib/store";
import type { GlobalSettings } from "@/lib/types";

import { api, server } from "./msw";

const SETTINGS: GlobalSettings = {
  default_voice_id: "en_US-lessac",
  tts_speed: 1,
  zoom_intensity: 1.3,
  subtitle_font: "",
  subtitle_color: "#FFFFFF",
};

const state = () => useAppStore.getState();

beforeEach(() => {
  useAppStore.setState({ settings: null, voices: null, settingsStatus: "idle", settingsError: null });
});

describe("settings slice", () => {
  it("loads the settings and the voices together", async () => {
    server.use(
      http.get(api("/settings/"), () => HttpResponse.json(SETTINGS)),
      http.get(api("/settings/voices/"), () =>
        HttpResponse.json({
          engine: "piper",
          voices: [{ id: "en_US-lessac", name: "Lessac", language: "en-US", gender: null }],
        }),
      ),
    );
    const pending = state().loadSettings();
    expect(state().settingsStatus).toBe("loading");
    await expect(pending).resolves.toEqual(SETTINGS);
    expect(state()).toMatchObject({ settings: SETTINGS, settingsStatus: "ready", settingsError: null });
    expect(state().voices?.voices.map((v) => v.id)).toEqual(["en_US-lessac"]);
  });

  it("records why loading failed and resolves to null", async () => {
    server.use(
      http.get(api("/settings/"), () => HttpResponse.json({ error: "Database is locked" }, { status: 500 })),
      http.get(api("/settings/voices/"), () => HttpResponse.json({ engine: null, voices: [] })),
    );
    await expect(state().loadSettings()).resolves.toBeNull();
    expect(state().settingsStatus).toBe("error");
    expect(state().settingsError?.message).toBe("Database is locked");
  });

  it("saves a change and keeps the server's copy; a 400 rejects with the field's message", async () => {
    let sent: unknown;
    server.use(
      http.patch(api("/settings/"), async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json({ ...SETTINGS, tts_speed: 1.25 });
      }),
    );
    await state().saveSettings({ tts_speed: 1.25 });
    expect(sent).toEqual({ tts_speed: 1.25 });
    expect(state().settings?.tts_speed).toBe(1.25);

    server.use(
      http.patch(api("/settings/"), () =>
        HttpResponse.json(
          { tts_speed: ["Ensure this value is less than or equal to 2.0."] },
          { status: 400 },
        ),
      ),
    );
    const error = await state()
      .saveSettings({ tts_speed: 9 })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400 });
    expect((error as { fieldMessage: (f: string) => string }).fieldMessage("tts_speed")).toMatch(
      /less than or equal/,
    );
    expect(state().settings?.tts_speed).toBe(1.25);
  });
});
