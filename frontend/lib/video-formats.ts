/** Output formats offered in the editor and the create dialog. */

export interface ResolutionPreset {
  width: number;
  height: number;
  label: string;
}

export const RESOLUTION_PRESETS: readonly ResolutionPreset[] = [
  { width: 1920, height: 1080, label: "1920 × 1080 · Full HD" },
  { width: 1280, height: 720, label: "1280 × 720 · HD" },
  { width: 854, height: 480, label: "854 × 480 · SD" },
  { width: 640, height: 360, label: "640 × 360 · Draft" },
  { width: 1080, height: 1920, label: "1080 × 1920 · Vertical 9:16" },
  { width: 1080, height: 1080, label: "1080 × 1080 · Square 1:1" },
  { width: 1080, height: 1350, label: "1080 × 1350 · Portrait 4:5" },
];

export const FRAMERATES: readonly number[] = [24, 25, 30, 60];

export const DEFAULT_RESOLUTION = RESOLUTION_PRESETS[0]!;
export const DEFAULT_FRAMERATE = 30;

/** Select value for a resolution, e.g. "1920x1080". */
export function resolutionKey(width: number, height: number): string {
  return `${width}x${height}`;
}

export function parseResolutionKey(key: string): { width: number; height: number } | null {
  const match = /^(\d+)x(\d+)$/.exec(key);
  if (!match) return null;
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Human label; unknown sizes (set through the API) are still shown. */
export function resolutionLabel(width: number, height: number): string {
  const preset = RESOLUTION_PRESETS.find((p) => p.width === width && p.height === height);
  return preset ? preset.label : `${width} × ${height}`;
}

/** The render quality presets, named for people (`Project.quality`). */
export const QUALITY_PRESETS = [
  { value: "standard", label: "Standard", hint: "Sharp, the usual size" },
  { value: "high", label: "High", hint: "Best picture, larger file" },
  { value: "small", label: "Small", hint: "For sharing: about a third of the size" },
] as const;
