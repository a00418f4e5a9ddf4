import { expect, type APIRequestContext } from "@playwright/test";

/** The project `POST /api/projects/import/` returned: its id and its segments' ids, in story order. */
export interface ImportedProject {
  id: string;
  segments: Array<{ id: string }>;
}

/**
 * Creates a project with one segment per narration text through the real API (`POST /api/projects/import/`,
 * JSON format); `extra` adds project fields such as `resolution_width`, `resolution_height` or `framerate`.
 * Fails the test unless the server answers 201.
 */
export async function importProject(
  request: APIRequestContext,
  backend: string,
  title: string,
  texts: string[],
  extra: Record<string, unknown> = {},
): Promise<ImportedProject> {
  const created = await request.post(`${backend}/api/projects/import/`, {
    data: { format: "json", title, segments: texts.map((text_content) => ({ text_content })), ...extra },
  });
  expect(created.status()).toBe(201);
  return (await created.json()) as ImportedProject;
}
