import type { OutputInfo, Project, ProjectDetail, RenderStatusResponse, Segment } from "@/lib/types";

export const PROJECT_ID = "0b6f0e7a-3c1d-4c58-9d51-1f7f1a2b3c4d";

export function makeSegment(overrides: Partial<Segment> = {}): Segment {
  const index = overrides.sequence_index ?? 0;
  const imageFile =
    overrides.image_file !== undefined
      ? overrides.image_file
      : `http://api.storyreel.test/media/projects/${PROJECT_ID}/images/${index + 1}.png`;
  return {
    id: `seg-${index + 1}`,
    project: PROJECT_ID,
    sequence_index: index,
    text_content: `Narration ${index + 1}`,
    image_prompt: `Prompt ${index + 1}`,
    image_file: imageFile,
    images: imageFile ? [imageFile] : [],
    audio_file: `http://api.storyreel.test/media/projects/${PROJECT_ID}/audio/${index + 1}.wav`,
    audio_duration: 4.2,
    audio_matches_text: true,
    word_timings: null,
    needs_narration: false,
    is_locked: false,
    camera: { motion: "auto", focus: null, strength: null },
    ...overrides,
  };
}

export const OUTPUT_INFO: OutputInfo = {
  duration: 83.4,
  file_size: 12_897_484,
  width: 640,
  height: 360,
  fps: 30,
  frame_count: 2502,
  rendered_at: "2025-11-21T10:15:00Z",
};

export function makeProject(overrides: Partial<Project> = {}): Project {
  return {
    id: PROJECT_ID,
    title: "The Lighthouse Keeper",
    created_at: "2025-11-20T09:00:00Z",
    updated_at: "2025-11-21T09:30:00Z",
    status: "DRAFT",
    resolution_width: 640,
    resolution_height: 360,
    framerate: 30,
    output_path: null,
    output_url: null,
    output_info: null,
    render_error: null,
    segment_count: 2,
    thumbnail_url: null,
    transition: { kind: "cut", duration: 0.5 },
    min_shot: 2.5,
    max_shot: 8.0,
    quality: "standard",
    music_file: null,
    music_volume: -18,
    ducking: true,
    loudness_target: -14,
    caption_mode: "off",
    caption_style: {
      font: "Noto Sans",
      color: "#FFFFFF",
      size: 56,
      position: "bottom",
      background: "outline",
      highlight_color: "#FFD400",
    },
    caption_files: null,
    ...overrides,
  };
}

export function makeProjectDetail(overrides: Partial<ProjectDetail> = {}): ProjectDetail {
  const segments = overrides.segments ?? [
    makeSegment({ sequence_index: 0 }),
    makeSegment({ sequence_index: 1 }),
  ];
  return { ...makeProject(overrides), segments, segment_count: segments.length, ...overrides };
}

export function statusResponse(overrides: Partial<RenderStatusResponse> = {}): RenderStatusResponse {
  return {
    project_id: PROJECT_ID,
    status: "PROCESSING",
    progress: {
      current_segment: 1,
      total_segments: 5,
      percentage: 20,
      current_phase: "Rendering segment 2",
      stage: "SCENE_BUILD",
      eta_seconds: null,
    },
    output_url: null,
    error: null,
    job_id: null,
    stage: null,
    log_tail: [],
    ...overrides,
  };
}
