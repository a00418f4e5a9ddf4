import axios, { type AxiosProgressEvent, type AxiosRequestConfig } from "axios";

import { getApiBaseUrl, getApiToken, toAbsoluteMediaUrl } from "@/lib/config";
import type {
  ApiErrorBody,
  CancelResponse,
  GenerateAllNarrationRequest,
  GenerateAllNarrationResponse,
  GlobalSettings,
  GlobalSettingsUpdate,
  HealthResponse,
  ImportStoryRequest,
  NarrationTaskResponse,
  Paginated,
  PreviewStatus,
  Project,
  ProjectCreateRequest,
  ProjectDetail,
  ProjectUpdateRequest,
  RenderStatusResponse,
  RenderTriggerResponse,
  Segment,
  SegmentCreateRequest,
  SegmentUpdateRequest,
  TaskStatusResponse,
  VoicesResponse,
} from "@/lib/types";

/** JSON calls give up after this long so that nothing in the UI waits forever. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Uploads of large images or recordings get longer. */
const UPLOAD_TIMEOUT_MS = 180_000;

const SUMMARY_KEYS = new Set(["error", "details", "message", "detail"]);

/** A failed API call, normalised: a readable summary, per-field messages and the raw body. */
export class ApiError extends Error {
  /** HTTP status, or null when the backend could not be reached at all. */
  readonly status: number | null;
  /** Field name → messages, e.g. `{ image_file: ["The file is 31.2 MB; the limit is 25 MB"] }`. */
  readonly fieldErrors: Readonly<Record<string, string[]>>;
  /** Extra lines such as "Segment 2: text_content must not be empty". */
  readonly details: readonly string[];
  readonly body: ApiErrorBody | null;

  constructor(
    message: string,
    options: {
      status: number | null;
      fieldErrors?: Record<string, string[]>;
      details?: string[];
      body?: ApiErrorBody | null;
    },
  ) {
    super(message);
    this.name = "ApiError";
    this.status = options.status;
    this.fieldErrors = options.fieldErrors ?? {};
    this.details = options.details ?? [];
    this.body = options.body ?? null;
  }

  get isNetworkError(): boolean {
    return this.status === null;
  }

  /** Messages for one field, joined into a sentence, or undefined. */
  fieldMessage(field: string): string | undefined {
    const messages = this.fieldErrors[field];
    return messages && messages.length > 0 ? messages.join(" ") : undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toMessages(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(toMessages);
  if (isRecord(value)) return Object.values(value).flatMap(toMessages);
  return [];
}

function fallbackMessage(status: number): string {
  if (status === 404) return "Not found. It may have been deleted.";
  if (status === 409) return "That can't be done right now; the project is busy.";
  if (status >= 500) return `The backend reported an unexpected error (HTTP ${status}).`;
  return `The request was rejected (HTTP ${status}).`;
}

/** Converts anything thrown by axios (or our own code) into an ApiError. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (axios.isAxiosError(error)) {
    const response = error.response;
    if (!response) {
      const base = getApiBaseUrl();
      const message =
        error.code === "ECONNABORTED" || error.code === "ETIMEDOUT"
          ? `The StoryReel backend at ${base} did not answer in time.`
          : `Cannot reach the StoryReel backend at ${base}. Is it running?`;
      return new ApiError(message, { status: null });
    }
    const body = isRecord(response.data) ? (response.data as ApiErrorBody) : null;
    const fieldErrors: Record<string, string[]> = {};
    if (body) {
      for (const [key, value] of Object.entries(body)) {
        if (SUMMARY_KEYS.has(key)) continue;
        const messages = toMessages(value);
        if (messages.length > 0 && (typeof value === "string" || Array.isArray(value))) {
          fieldErrors[key] = messages;
        }
      }
    }
    const details = body ? toMessages(body.details) : [];
    const summary =
      (typeof body?.error === "string" && body.error) ||
      (typeof body?.detail === "string" && body.detail) ||
      (typeof body?.message === "string" && body.message) ||
      fieldErrors.non_field_errors?.join(" ") ||
      fallbackMessage(response.status);
    return new ApiError(summary, { status: response.status, fieldErrors, details, body });
  }
  if (error instanceof Error) return new ApiError(error.message, { status: null });
  return new ApiError("Something went wrong.", { status: null });
}

const client = axios.create({
  timeout: REQUEST_TIMEOUT_MS,
  headers: { Accept: "application/json" },
});

// The base URL is resolved per request: the runtime config is injected after this module may have loaded.
client.interceptors.request.use((config) => {
  config.baseURL = `${getApiBaseUrl()}/api`;
  const token = getApiToken();
  if (token) config.headers.set("Authorization", `Bearer ${token}`);
  return config;
});

async function request<T>(config: AxiosRequestConfig): Promise<T> {
  try {
    const response = await client.request<T>(config);
    return response.data;
  } catch (error) {
    throw toApiError(error);
  }
}

function upload<T>(
  url: string,
  field: string,
  file: File,
  onProgress?: (fraction: number) => void,
  method: "PATCH" | "POST" = "PATCH",
): Promise<T> {
  const form = new FormData();
  form.append(field, file);
  return request<T>({
    method,
    url,
    data: form,
    timeout: UPLOAD_TIMEOUT_MS,
    onUploadProgress: onProgress
      ? (event: AxiosProgressEvent) => {
          if (event.total) onProgress(Math.min(1, event.loaded / event.total));
        }
      : undefined,
  });
}

// ── Health ────────────────────────────────────────────────────────────────────────────────────────

export const getHealth = () => request<HealthResponse>({ method: "GET", url: "/health/" });

// ── Projects ──────────────────────────────────────────────────────────────────────────────────────

export const listProjects = (page = 1) =>
  request<Paginated<Project>>({ method: "GET", url: "/projects/", params: page > 1 ? { page } : undefined });

export const createProject = (data: ProjectCreateRequest) =>
  request<Project>({ method: "POST", url: "/projects/", data });

export const getProject = (id: string) => request<ProjectDetail>({ method: "GET", url: `/projects/${id}/` });

export const updateProject = (id: string, data: ProjectUpdateRequest) =>
  request<Project>({ method: "PATCH", url: `/projects/${id}/`, data });

/** Uploads `file` as the project's background music (multipart `music_file`); remove it with `music_file: null`. */
export const uploadProjectMusic = (id: string, file: File, onProgress?: (fraction: number) => void) =>
  upload<Project>(`/projects/${id}/`, "music_file", file, onProgress);

export const deleteProject = (id: string) => request<void>({ method: "DELETE", url: `/projects/${id}/` });

export const importStory = (data: ImportStoryRequest) =>
  request<ProjectDetail>({ method: "POST", url: "/projects/import/", data });

export const reorderSegments = (projectId: string, segmentIds: string[]) =>
  request<Segment[]>({
    method: "POST",
    url: `/projects/${projectId}/reorder/`,
    data: { segment_ids: segmentIds },
  });

// ── Segments ──────────────────────────────────────────────────────────────────────────────────────

export const createSegment = (data: SegmentCreateRequest) =>
  request<Segment>({ method: "POST", url: "/segments/", data });

export const updateSegment = (id: string, data: SegmentUpdateRequest) =>
  request<Segment>({ method: "PATCH", url: `/segments/${id}/`, data });

export const uploadSegmentImage = (id: string, file: File, onProgress?: (fraction: number) => void) =>
  upload<Segment>(`/segments/${id}/`, "image_file", file, onProgress);

export const uploadSegmentAudio = (id: string, file: File, onProgress?: (fraction: number) => void) =>
  upload<Segment>(`/segments/${id}/`, "audio_file", file, onProgress);

/** Add an image after the segment's others (at most 3; the first is `image_file`). */
export const addSegmentImage = (id: string, file: File, onProgress?: (fraction: number) => void) =>
  upload<Segment>(`/segments/${id}/images/`, "image_file", file, onProgress, "POST");

/** Remove image `index` (0-based in `images`); the later ones move up. */
export const removeSegmentImage = (id: string, index: number) =>
  request<Segment>({ method: "DELETE", url: `/segments/${id}/images/${index}/` });

/** Put the images in a new order: the current indices in the new order (the first becomes `image_file`). */
export const reorderSegmentImages = (id: string, order: number[]) =>
  request<Segment>({ method: "POST", url: `/segments/${id}/images/reorder/`, data: { order } });

export const deleteSegment = (id: string) => request<void>({ method: "DELETE", url: `/segments/${id}/` });

// ── Narration ─────────────────────────────────────────────────────────────────────────────────────

export const generateNarration = (segmentId: string) =>
  request<NarrationTaskResponse>({ method: "POST", url: `/segments/${segmentId}/generate-audio/`, data: {} });

export const generateAllNarration = (
  projectId: string,
  options: GenerateAllNarrationRequest = { skip_locked: true, force: false },
) =>
  request<GenerateAllNarrationResponse>({
    method: "POST",
    url: `/projects/${projectId}/generate-all-audio/`,
    data: options,
  });

export const getTaskStatus = (taskId: string) =>
  request<TaskStatusResponse>({ method: "GET", url: `/tasks/${encodeURIComponent(taskId)}/status/` });

// ── Render ────────────────────────────────────────────────────────────────────────────────────────

export const renderProject = (projectId: string) =>
  request<RenderTriggerResponse>({ method: "POST", url: `/projects/${projectId}/render/`, data: {} });

export const getRenderStatus = (projectId: string) =>
  request<RenderStatusResponse>({ method: "GET", url: `/projects/${projectId}/status/` });

/** Stops the project's render: 202 (queued → stopped at once; running → stops within 2 s), 409 when none runs. */
export const cancelRender = (projectId: string) =>
  request<CancelResponse>({ method: "POST", url: `/projects/${projectId}/cancel/`, data: {} });

/** Appends the API token as `access_token` (accepted on GETs of the download and job-log links only). */
function withAccessToken(url: string): string {
  // A navigation cannot send an Authorization header; the API accepts the token as a query parameter there only.
  const token = getApiToken();
  return token ? `${url}?access_token=${encodeURIComponent(token)}` : url;
}

/** The full log of a job as plain text (`GET /jobs/{id}/log/`), as a link the browser can open. */
export const getJobLogUrl = (jobId: string) =>
  withAccessToken(`${getApiBaseUrl()}/api/jobs/${encodeURIComponent(jobId)}/log/`);

/** The attachment endpoint: navigating to it downloads `<project title>.mp4` without leaving the page. */
export const getDownloadUrl = (projectId: string) =>
  withAccessToken(`${getApiBaseUrl()}/api/projects/${projectId}/download/`);

/** Absolute URL of a rendered video from the URL-relative `output_url`. */
export const getVideoUrl = (outputUrl: string) => toAbsoluteMediaUrl(outputUrl);

/** Absolute URL of a caption file (`caption_files.srt` / `.vtt`, URL-relative media paths). */
export const getCaptionsUrl = (mediaPath: string) => toAbsoluteMediaUrl(mediaPath);

// ── Quick preview and camera stills ───────────────────────────────────────────────────────────────

/** Start the quick preview draft (480p, fast settings); it never replaces the rendered video. */
export const startPreview = (projectId: string) =>
  request<PreviewStatus>({ method: "POST", url: `/projects/${projectId}/preview/`, data: {} });

export const getPreviewStatus = (projectId: string) =>
  request<PreviewStatus>({ method: "GET", url: `/projects/${projectId}/preview/` });

/** JPEG of the first or last frame of a segment's shot, as the render frames it; `version` busts the browser cache
 * when the camera, the image or the format changed. */
export const getCameraPreviewUrl = (segmentId: string, frame: "first" | "last", version: string) =>
  `${getApiBaseUrl()}/api/segments/${segmentId}/camera-preview/?frame=${frame}&v=${encodeURIComponent(version)}`;

// ── Settings ──────────────────────────────────────────────────────────────────────────────────────

export const getSettings = () => request<GlobalSettings>({ method: "GET", url: "/settings/" });

export const updateSettings = (data: GlobalSettingsUpdate) =>
  request<GlobalSettings>({ method: "PATCH", url: "/settings/", data });

export const getVoices = () => request<VoicesResponse>({ method: "GET", url: "/settings/voices/" });
