import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";

import { MusicSettings, formatDecibels } from "@/components/editor/music-settings";
import { useAppStore } from "@/lib/store";
import type { ProjectUpdateRequest } from "@/lib/types";

import { makeProject, makeProjectDetail, PROJECT_ID } from "./fixtures";
import { api, server } from "./msw";

const MUSIC_URL = `http://api.storyreel.test/media/projects/${PROJECT_ID}/music/abc.ogg`;

function setup(overrides: Parameters<typeof makeProjectDetail>[0] = {}) {
  const onSave = vi.fn<(patch: ProjectUpdateRequest) => Promise<unknown>>(() => Promise.resolve());
  const onUpload = vi.fn<(file: File, onProgress: (f: number) => void) => Promise<unknown>>(() =>
    Promise.resolve(),
  );
  const view = render(
    <MusicSettings project={makeProjectDetail(overrides)} onSave={onSave} onUpload={onUpload} />,
  );
  return { onSave, onUpload, view };
}

describe("MusicSettings", () => {
  it("without music: says so, uploads a picked audio file and refuses a non-audio one", async () => {
    const user = userEvent.setup({ applyAccept: false });
    const { onUpload } = setup();
    expect(screen.getByText(/No music/)).toBeInTheDocument();
    expect(screen.queryByTestId("music-player")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Remove music" })).not.toBeInTheDocument();

    const input = screen.getByLabelText("Music file");
    await user.upload(input, new File(["not audio"], "notes.txt", { type: "text/plain" }));
    expect(await screen.findByText(/is not an audio file/)).toBeInTheDocument();
    expect(onUpload).not.toHaveBeenCalled();

    const song = new File([new Uint8Array(64)], "song.ogg", { type: "audio/ogg" });
    await user.upload(input, song);
    await waitFor(() => expect(onUpload).toHaveBeenCalledTimes(1));
    expect(onUpload.mock.calls[0]![0]).toBe(song);
  });

  it("with music: plays it, removes it, toggles ducking and shows the loudness target", async () => {
    const user = userEvent.setup();
    const { onSave } = setup({ music_file: MUSIC_URL, ducking: true, loudness_target: -14 });
    expect(screen.getByTestId("music-player")).toHaveAttribute("src", MUSIC_URL);

    await user.click(screen.getByRole("switch", { name: "Lower music under the voice" }));
    expect(onSave).toHaveBeenLastCalledWith({ ducking: false });

    await user.click(screen.getByRole("button", { name: "Remove music" }));
    expect(onSave).toHaveBeenLastCalledWith({ music_file: null });

    expect(screen.getByLabelText("Loudness target")).toHaveTextContent("−14 LUFS");
  });

  it("saves the volume once after the slider stops moving; a refusal puts it back", async () => {
    const onSave = vi.fn((patch: ProjectUpdateRequest) =>
      Promise.reject(new Error(`refused ${String(patch)}`)),
    );
    render(<MusicSettings project={makeProjectDetail()} onSave={onSave} onUpload={vi.fn()} />);
    const slider = screen.getByLabelText("Music volume");
    expect(screen.getByTestId("music-volume-value")).toHaveTextContent("−18 dB");
    for (const value of ["-17", "-16", "-15"]) fireEvent.change(slider, { target: { value } });
    expect(screen.getByTestId("music-volume-value")).toHaveTextContent("−15 dB");
    await waitFor(() => expect(onSave).toHaveBeenCalledWith({ music_volume: -15 }), { timeout: 2000 });
    expect(onSave).toHaveBeenCalledTimes(1); // one save for the three steps
    // the refusal puts the slider back to the saved value and says why
    await waitFor(() => expect(screen.getByTestId("music-volume-value")).toHaveTextContent("−18 dB"));
    expect(screen.getByText(/refused/)).toBeInTheDocument();
  });

  it("formats decibels with a real minus sign", () => {
    expect(formatDecibels(-18)).toBe("−18 dB");
    expect(formatDecibels(0)).toBe("0 dB");
    expect(formatDecibels(-12.46)).toBe("−12.5 dB");
  });
});

describe("project store: uploadMusic", () => {
  it("uploads the file as multipart music_file and adopts the project's new music URL", async () => {
    let received: FormDataEntryValue | null = null;
    server.use(
      http.get(api("/projects/:id/"), () => HttpResponse.json(makeProjectDetail())),
      http.patch(api("/projects/:id/"), async ({ request }) => {
        received = (await request.formData()).get("music_file");
        return HttpResponse.json(makeProject({ music_file: MUSIC_URL }));
      }),
    );
    await useAppStore.getState().loadProject(PROJECT_ID);
    await useAppStore.getState().uploadMusic(new File(["RIFF"], "song.wav", { type: "audio/wav" }));
    // (jsdom's File and Node's differ, so check the shape rather than the class.)
    expect(received).toMatchObject({ size: 4, type: "audio/wav" });
    expect(useAppStore.getState().project?.music_file).toBe(MUSIC_URL);
    expect(useAppStore.getState().project?.segments).toHaveLength(2);
  });
});
