/**
 * Types mirroring the StoryReel REST API contract (see /work/shared/DESIGN.md §4).
 * Keep this file in step with the backend serializers; nothing else should redeclare these shapes.
 */

export type ProjectStatus = "DRAFT" | "PROCESSING" | "COMPLETED" | "FAILED";

export type Uuid = string;
/** ISO 8601 date-time string as produced by Django REST framework. */
export type IsoDateTime = string;

export interface HealthResponse {
  status: "ok";
  ffmpeg: string | null;
  tts: string | null;
}

export interface OutputInfo {
  /** Seconds. */
  duration: number;
  /** Bytes. */
  file_size: number;
  width: number;
  height: number;
  fps: number;
  rendered_at: IsoDateTime;
}

export interface Project {
  id: Uuid;
  title: string;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
  status: ProjectStatus;
  resolution_width: number;
  resolution_height: number;
  framerate: number;
  output_path: string | null;
  /** URL-relative (e.g. `/media/projects/<id>/output/final.mp4`); prefix it with the API base URL. */
  output_url: string | null;
  output_info: OutputInfo | null;
  render_error: string | null;
  segment_count: number;
  /** Absolute URL of the first segment's image. */
  thumbnail_url: string | null;
}

export interface Segment {
  id: Uuid;
  project: Uuid;
  sequence_index: number;
  text_content: string;
  image_prompt: string;
  /** Absolute URL. */
  image_file: string | null;
  /** Absolute URL. */
  audio_file: string | null;
  /** Seconds. */
  audio_duration: number | null;
  /** false: the text changed since the narration was generated; null: uploaded recording or no narration. */
  audio_matches_text: boolean | null;
  /** The server's rule: unlocked, with text, and without narration or with narration of an older text (what
   * "Generate all narration" narrates). Never re-derive it in the browser. */
  needs_narration: boolean;
  is_locked: boolean;
}

export interface ProjectDetail extends Project {
  segments: Segment[];
}

export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface ProjectCreateRequest {
  title: string;
  resolution_width?: number;
  resolution_height?: number;
  framerate?: number;
}

export type ProjectUpdateRequest = Partial<ProjectCreateRequest>;

export interface ImportSegmentInput {
  text_content: string;
  image_prompt?: string;
}

export type ImportStoryRequest =
  | { format: "json"; title: string; segments: ImportSegmentInput[] }
  | { format: "text"; title: string; raw_text: string };

export interface SegmentCreateRequest {
  project: Uuid;
  text_content: string;
  image_prompt?: string;
}

export interface SegmentUpdateRequest {
  text_content?: string;
  image_prompt?: string;
  is_locked?: boolean;
}

/** How far a background job is: the `progress` of both status endpoints (`core_engine/render/progress.py`). */
export interface ProgressRecord {
  /** Segments completely done (for narration tasks: segments narrated). */
  current_segment: number;
  total_segments: number;
  /** Integer 0–100; never decreases during one job. */
  percentage: number;
  /** What is happening, in words for the user. */
  current_phase: string;
  /** Coarse stage: QUEUED, VALIDATE, AUDIO_PREP, SCENE_BUILD[n], CONCAT, FINALIZE, DONE, CANCELLED. */
  stage: string;
  /** Estimated seconds until the job finishes, or null while unknown. */
  eta_seconds: number | null;
}

export interface RenderTriggerResponse {
  task_id: string;
  project_id: Uuid;
  status: "PROCESSING";
  total_segments: number;
  message: string;
}

export interface RenderValidationError {
  error: string;
  missing_images: Uuid[];
  missing_audio: Uuid[];
  message: string;
}

export interface RenderConflictError {
  error: string;
  project_id: Uuid;
  status: ProjectStatus;
}

export interface RenderStatusResponse {
  project_id: Uuid;
  status: ProjectStatus;
  progress: ProgressRecord | null;
  output_url: string | null;
  error: string | null;
}

export type TaskState = "PENDING" | "RUNNING" | "COMPLETED" | "FAILED";

export interface NarrationTaskResponse {
  task_id: string;
  segment_id: Uuid;
  status: TaskState;
  message: string;
}

export interface GenerateAllNarrationRequest {
  skip_locked: boolean;
  force: boolean;
}

export interface GenerateAllNarrationResponse {
  /** null when there was nothing to do (HTTP 200). */
  task_id: string | null;
  total_segments: number;
  segments_to_process: number;
  skipped_locked: number;
  skipped_existing: number;
  skipped_empty: number;
  message: string;
}

export interface CompletedNarration {
  segment_id: Uuid;
  audio_url: string;
  audio_duration: number;
}

export interface TaskError {
  /** null for a failure of the whole task. */
  segment_id: Uuid | null;
  error: string;
}

export interface TaskStatusResponse {
  task_id: string;
  status: TaskState;
  progress: ProgressRecord;
  completed_segments: CompletedNarration[];
  errors: TaskError[];
}

export interface GlobalSettings {
  default_voice_id: string;
  /** 0.5–2.0 */
  tts_speed: number;
  /** 1.0–2.0 */
  zoom_intensity: number;
  subtitle_font: string;
  subtitle_color: string;
}

export type GlobalSettingsUpdate = Partial<GlobalSettings>;

export interface Voice {
  id: string;
  name: string;
  language: string;
  gender: string | null;
}

export interface VoicesResponse {
  engine: string | null;
  voices: Voice[];
}

/** Shape of every 400 body: a summary plus optional per-field messages or a list of details. */
export interface ApiErrorBody {
  error?: string;
  details?: string[];
  message?: string;
  [field: string]: unknown;
}
