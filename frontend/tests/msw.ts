import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";

/** Base URL the unit tests point the app at; msw answers for it. */
export const TEST_API = "http://api.storyreel.test";

/** Builds a full API URL for msw handlers, e.g. api("/projects/:id/status/"). */
export const api = (path: string) => `${TEST_API}/api${path}`;

/** Answers every test gets unless it overrides them: no quick preview made yet. */
const defaults = [
  http.get(api("/projects/:id/preview/"), ({ params }) =>
    HttpResponse.json({
      task_id: `preview_${String(params.id)}`,
      status: "NONE",
      progress: null,
      preview_url: null,
      width: null,
      height: null,
      fps: null,
      render_seconds: null,
      error: null,
    }),
  ),
];

export const server = setupServer(...defaults);
