import type { ImportSegmentInput } from "@/lib/types";

export type ParsedStoryJson =
  { ok: true; title: string | null; segments: ImportSegmentInput[] } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asText(value: unknown): string {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

/**
 * Reads a pasted JSON story: either `{ "title": "…", "segments": [{ "text_content": "…", "image_prompt": "…" }] }`
 * or just the segments array. `text`/`prompt` are accepted as short names. Content rules (e.g. empty text) are
 * left to the server, which says which segment is wrong.
 */
export function parseStoryJson(raw: string): ParsedStoryJson {
  const trimmed = raw.trim();
  if (!trimmed) return { ok: false, error: "Paste the story as JSON first." };
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch (error) {
    const reason = error instanceof Error ? error.message : "it could not be parsed";
    return { ok: false, error: `That isn't valid JSON: ${reason}` };
  }
  const title =
    isRecord(data) && typeof data.title === "string" && data.title.trim() ? data.title.trim() : null;
  const list = Array.isArray(data) ? data : isRecord(data) ? data.segments : undefined;
  if (!Array.isArray(list)) {
    return { ok: false, error: 'Expected an object with a "segments" array, or an array of segments.' };
  }
  if (list.length === 0) return { ok: false, error: "The story has no segments." };
  const segments: ImportSegmentInput[] = [];
  for (const [index, item] of list.entries()) {
    if (typeof item === "string") {
      segments.push({ text_content: item });
      continue;
    }
    if (!isRecord(item)) return { ok: false, error: `Segment ${index + 1} must be an object or a string.` };
    const segment: ImportSegmentInput = { text_content: asText(item.text_content ?? item.text) };
    const prompt = item.image_prompt ?? item.prompt;
    if (prompt != null) segment.image_prompt = asText(prompt);
    segments.push(segment);
  }
  return { ok: true, title, segments };
}
