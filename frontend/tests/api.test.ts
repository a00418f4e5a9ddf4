import { http, HttpResponse } from "msw";

import * as client from "@/lib/api";
import { ApiError } from "@/lib/api";

import { makeSegment, PROJECT_ID } from "./fixtures";
import { api, server, TEST_API } from "./msw";

describe("API errors", () => {
  it("turns a network failure into a clear message naming the backend", async () => {
    server.use(http.get(api("/projects/"), () => HttpResponse.error()));
    const error = await client.listProjects().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).isNetworkError).toBe(true);
    expect((error as ApiError).message).toBe(
      `Cannot reach the StoryReel backend at ${TEST_API}. Is it running?`,
    );
  });

  it("keeps the summary, field messages and details of a 400", async () => {
    server.use(
      http.post(api("/projects/import/"), () =>
        HttpResponse.json(
          {
            error: "The story could not be imported",
            details: ["Segment 2: text_content must not be empty"],
          },
          { status: 400 },
        ),
      ),
      http.patch(api("/segments/:id/"), () =>
        HttpResponse.json(
          { error: "Invalid upload", image_file: ["The file is 31.2 MB; the limit is 25 MB"] },
          { status: 400 },
        ),
      ),
    );
    const importError = (await client
      .importStory({ format: "text", title: "T", raw_text: "x" })
      .catch((caught: unknown) => caught)) as ApiError;
    expect(importError.status).toBe(400);
    expect(importError.message).toBe("The story could not be imported");
    expect(importError.details).toEqual(["Segment 2: text_content must not be empty"]);

    const uploadError = (await client
      .uploadSegmentImage("seg-1", new File(["x"], "big.png", { type: "image/png" }))
      .catch((caught: unknown) => caught)) as ApiError;
    expect(uploadError.fieldMessage("image_file")).toBe("The file is 31.2 MB; the limit is 25 MB");
  });

  it("describes a server error without a JSON body", async () => {
    server.use(
      http.get(api("/projects/:id/"), () => new HttpResponse("<h1>Server Error</h1>", { status: 500 })),
    );
    const error = (await client.getProject(PROJECT_ID).catch((caught: unknown) => caught)) as ApiError;
    expect(error.status).toBe(500);
    expect(error.message).toBe("The backend reported an unexpected error (HTTP 500).");
  });
});

describe("API calls", () => {
  it("sends uploads as multipart form data", async () => {
    let contentType: string | null = null;
    let field: FormDataEntryValue | null = null;
    server.use(
      http.patch(api("/segments/:id/"), async ({ request }) => {
        contentType = request.headers.get("content-type");
        field = (await request.formData()).get("audio_file");
        return HttpResponse.json(makeSegment());
      }),
    );
    await client.uploadSegmentAudio("seg-1", new File(["RIFF"], "take.wav", { type: "audio/wav" }));
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    // (jsdom's File and Node's differ, so check the shape rather than the class.)
    expect(field).toMatchObject({ size: 4, type: "audio/wav" });
  });

  it("asks for narration of every unlocked segment without overwriting", async () => {
    let body: unknown;
    server.use(
      http.post(api("/projects/:id/generate-all-audio/"), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({
          task_id: null,
          total_segments: 2,
          segments_to_process: 0,
          skipped_locked: 0,
          skipped_existing: 2,
          skipped_empty: 0,
          message: "Nothing to do",
        });
      }),
    );
    const result = await client.generateAllNarration(PROJECT_ID);
    expect(body).toEqual({ skip_locked: true, force: false });
    expect(result.task_id).toBeNull();
  });

  it("reorders with every id in the new order", async () => {
    let body: unknown;
    server.use(
      http.post(api("/projects/:id/reorder/"), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json([]);
      }),
    );
    await client.reorderSegments(PROJECT_ID, ["b", "a"]);
    expect(body).toEqual({ segment_ids: ["b", "a"] });
  });

  it("builds the download and video URLs from the API base", () => {
    expect(client.getDownloadUrl(PROJECT_ID)).toBe(`${TEST_API}/api/projects/${PROJECT_ID}/download/`);
    expect(client.getVideoUrl("/media/projects/1/output/final.mp4")).toBe(
      `${TEST_API}/media/projects/1/output/final.mp4`,
    );
  });
});

describe("API token", () => {
  afterEach(() => {
    window.__STORYREEL_CONFIG__ = { apiUrl: TEST_API };
  });

  it("sends the injected token as a bearer header on every request and on the download link", async () => {
    window.__STORYREEL_CONFIG__ = { apiUrl: TEST_API, apiToken: "s3cret token" };
    let seen: string | null = null;
    server.use(
      http.get(api("/projects/"), ({ request }) => {
        seen = request.headers.get("Authorization");
        return HttpResponse.json({ count: 0, next: null, previous: null, results: [] });
      }),
    );
    await client.listProjects();
    expect(seen).toBe("Bearer s3cret token");
    expect(client.getDownloadUrl(PROJECT_ID)).toBe(
      `${TEST_API}/api/projects/${PROJECT_ID}/download/?access_token=s3cret%20token`,
    );
  });

  it("sends no Authorization header when no token is configured", async () => {
    let seen: string | null = "unset";
    server.use(
      http.get(api("/projects/"), ({ request }) => {
        seen = request.headers.get("Authorization");
        return HttpResponse.json({ count: 0, next: null, previous: null, results: [] });
      }),
    );
    await client.listProjects();
    expect(seen).toBeNull();
  });
});
