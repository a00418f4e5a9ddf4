import type { Segment } from "@/lib/types";

/** What one segment still lacks before the project can be rendered. */
export function segmentNeeds(segment: Pick<Segment, "image_file" | "audio_file">): string[] {
  const needs: string[] = [];
  if (!segment.image_file) needs.push("an image");
  if (!segment.audio_file) needs.push("narration");
  return needs;
}

const MAX_LISTED = 4;

/**
 * Human reasons why a render can't start, e.g. ["Segment 2 needs an image", "Segment 3 needs narration"].
 * Empty when the project is ready. Long lists are summarised after a few entries.
 */
export function describeRenderBlockers(
  segments: ReadonlyArray<Pick<Segment, "image_file" | "audio_file">>,
): string[] {
  if (segments.length === 0) return ["Add at least one segment"];
  const reasons = segments.flatMap((segment, index) => {
    const needs = segmentNeeds(segment);
    return needs.length > 0 ? [`Segment ${index + 1} needs ${needs.join(" and ")}`] : [];
  });
  if (reasons.length <= MAX_LISTED) return reasons;
  const rest = reasons.length - MAX_LISTED;
  return [
    ...reasons.slice(0, MAX_LISTED),
    `${rest} more ${rest === 1 ? "segment needs" : "segments need"} attention`,
  ];
}
