/**
 * The web app's names for the StoryReel REST API's shapes.
 *
 * The shapes themselves are generated from the backend's OpenAPI schema (`GET /api/schema/`) into `api-schema.ts`
 * by `npm run gen:api`; never edit that file by hand, and never redeclare an API shape here: alias the generated
 * component instead. `npm run check:api` fails when `api-schema.ts` is stale. This file keeps only what is the UI's
 * own (e.g. the stricter {@link ImportStoryRequest} union and the {@link ApiErrorBody} reader).
 */
import type { components } from "@/lib/api-schema";

type Schemas = components["schemas"];

export type Uuid = string;
/** ISO 8601 date-time string as produced by Django REST framework. */
export type IsoDateTime = string;

// -- projects and segments -------------------------------------------------------------------------------------------
export type ProjectStatus = Schemas["ProjectStatus"];
export type OutputInfo = Schemas["OutputInfo"];
/** `output_url` is URL-relative (e.g. `/media/projects/<id>/output/final.mp4`); prefix it with the API base URL. */
export type Project = Schemas["Project"];
/** `image_file`/`audio_file` are absolute URLs; `needs_narration` is the server's rule (unlocked, with text, and
 * without narration or with narration of an older text). */
export type Segment = Schemas["Segment"];
export type ProjectDetail = Schemas["ProjectDetail"];
/** `{kind, duration}`: how every shot gives way to the next (docs/api.md, "Transitions"). */
export type Transition = Schemas["Transition"];
export type TransitionKind = Schemas["TransitionKind"];
/** A DRF page of `T` (the generated `PaginatedProjectList` with any item type). */
export type Paginated<T> = Omit<Schemas["PaginatedProjectList"], "results"> & { results: T[] };

/** Captions of a render (`off` = none; `word` highlights the spoken word within its phrase) and how they look. */
export type CaptionMode = Schemas["CaptionModeEnum"];
export type CaptionStyle = Required<Schemas["CaptionStyle"]>;
/** URL-relative media paths of the caption files of the last good video (`null` without captions). */
export type CaptionFiles = Schemas["CaptionFiles"];

export type ProjectCreateRequest = Schemas["ProjectRequest"];
export type ProjectUpdateRequest = Schemas["PatchedProjectRequest"];
export type SegmentCreateRequest = Schemas["SegmentRequest"];
export type SegmentUpdateRequest = Schemas["PatchedSegmentRequest"];

export type ImportSegmentInput = Schemas["ImportSegmentRequest"];
type ImportOptions = Omit<Schemas["ImportRequest"], "format" | "segments" | "raw_text">;
/** The import body, narrowed by `format` (the server answers 400 for the other combinations). */
export type ImportStoryRequest =
  | (ImportOptions & { format: "json"; segments: ImportSegmentInput[] })
  | (ImportOptions & { format: "text"; raw_text: string });

// -- render and background tasks -------------------------------------------------------------------------------------
/** How far a background job is: the `progress` of both status endpoints (`core_engine.render.progress`). */
export type ProgressRecord = Schemas["ProgressRecord"];

export type RenderTriggerResponse = Schemas["RenderTriggerResponse"];
export type RenderValidationError = Schemas["RenderValidationError"];
export type RenderConflictError = Schemas["RenderConflictError"];
export type RenderStatusResponse = Schemas["RenderStatusResponse"];
/** 202 of `POST /projects/{id}/cancel/`: the status keys plus `cancel` ("cancelled" for a queued render, "cancelling"
 * for a running one: keep polling until the status leaves PROCESSING). */
export type CancelResponse = Schemas["CancelResponse"];
/** 409 of `POST /projects/{id}/cancel/`: nothing of the project is queued or running. */
export type CancelConflict = Schemas["CancelConflict"];
/** `GET /jobs/{id}/`: a background job's record with its last 200 log lines and `log_url`. */
export type Job = Schemas["Job"];

/** A segment's camera: `motion`, `focus` ([x, y] in 0–1 image coordinates or null), `strength` (zoom 1–2 or null). */
export type Camera = Schemas["Camera"];
export type CameraMotion = Camera["motion"];
/** Encoder preset of a project's render. */
export type Quality = Schemas["QualityEnum"];
/** The quick preview draft of a project (`GET|POST /projects/{id}/preview/`). */
export type PreviewStatus = Schemas["PreviewStatus"];

export type TaskState = Schemas["TaskState"];
export type NarrationTaskResponse = Schemas["NarrationTaskResponse"];
export type GenerateAllNarrationRequest = Schemas["GenerateAllAudioRequest"];
export type GenerateAllNarrationResponse = Schemas["GenerateAllNarrationResponse"];
export type CompletedNarration = Schemas["CompletedNarration"];
/** `segment_id` is null for a failure of the whole task (e.g. a render). */
export type TaskError = Schemas["TaskError"];
export type TaskStatusResponse = Schemas["TaskStatusResponse"];

// -- settings and health ---------------------------------------------------------------------------------------------
export type GlobalSettings = Schemas["GlobalSettings"];
export type GlobalSettingsUpdate = Schemas["PatchedGlobalSettingsRequest"];
export type Voice = Schemas["Voice"];
export type VoicesResponse = Schemas["VoicesResponse"];
export type HealthResponse = Schemas["HealthResponse"];

// -- errors ----------------------------------------------------------------------------------------------------------
/** The 400 body (`error` plus per-field messages, `details` for a story import). */
export type ValidationErrorBody = Schemas["ValidationError"];
/** The 404/409/500 body. */
export type ErrorBody = Schemas["Error"];
/**
 * Any error body as the UI reads it, before knowing which it is: every key optional, field messages under their
 * field's name, and `message` from render's 400 ({@link RenderValidationError}).
 */
export interface ApiErrorBody {
  error?: string;
  details?: string[];
  message?: string;
  [field: string]: unknown;
}
