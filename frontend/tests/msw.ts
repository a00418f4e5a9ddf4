import { setupServer } from "msw/node";

/** Base URL the unit tests point the app at; msw answers for it. */
export const TEST_API = "http://api.storyreel.test";

/** Builds a full API URL for msw handlers, e.g. api("/projects/:id/status/"). */
export const api = (path: string) => `${TEST_API}/api${path}`;

export const server = setupServer();
