/**
 * Where the backend lives. Resolution order:
 * 1. `STORYREEL_API_URL`, read by the server at request time and handed to the browser as
 *    `window.__STORYREEL_CONFIG__` (see `app/layout.tsx`), so one build can talk to any backend;
 * 2. `NEXT_PUBLIC_API_URL`, inlined at build time;
 * 3. `http://localhost:8000`.
 *
 * The optional API token (`STORYREEL_API_TOKEN`, the same variable the backend reads) is also read at request time
 * and handed to the browser the same way; every API request then carries `Authorization: Bearer <token>`.
 */

export interface StoryReelClientConfig {
  apiUrl: string;
  /** Bearer token for the API; empty or absent when the API needs none. */
  apiToken?: string;
}

declare global {
  interface Window {
    __STORYREEL_CONFIG__?: Partial<StoryReelClientConfig>;
  }
}

export const DEFAULT_API_URL = "http://localhost:8000";

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Server side: the base URL to hand to the browser for this request. */
export function resolveServerApiUrl(env: Record<string, string | undefined> = process.env): string {
  const runtime = env.STORYREEL_API_URL?.trim();
  if (runtime) return stripTrailingSlash(runtime);
  const buildTime = process.env.NEXT_PUBLIC_API_URL?.trim();
  if (buildTime) return stripTrailingSlash(buildTime);
  return DEFAULT_API_URL;
}

/** Server side: the API token to hand to the browser (`STORYREEL_API_TOKEN`), or "" when none is set. */
export function resolveServerApiToken(env: Record<string, string | undefined> = process.env): string {
  return env.STORYREEL_API_TOKEN?.trim() ?? "";
}

/** Browser side: the API token injected into the page, or "" when the API needs none. */
export function getApiToken(): string {
  if (typeof window === "undefined") return "";
  return window.__STORYREEL_CONFIG__?.apiToken?.trim() ?? "";
}

/** The backend origin, without a trailing slash, e.g. `http://localhost:8000`. */
export function getApiBaseUrl(): string {
  if (typeof window !== "undefined") {
    const injected = window.__STORYREEL_CONFIG__?.apiUrl?.trim();
    if (injected) return stripTrailingSlash(injected);
  }
  const buildTime = process.env.NEXT_PUBLIC_API_URL?.trim();
  return buildTime ? stripTrailingSlash(buildTime) : DEFAULT_API_URL;
}

/** Turns a URL-relative media path from the API (`/media/...`) into an absolute URL; absolute URLs pass through. */
export function toAbsoluteMediaUrl(pathOrUrl: string): string {
  if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  const path = pathOrUrl.startsWith("/") ? pathOrUrl : `/${pathOrUrl}`;
  return `${getApiBaseUrl()}${path}`;
}

/** Serialises the client config for an inline `<script>`; `<` is escaped so no value can close the tag. */
export function clientConfigScript(config: StoryReelClientConfig): string {
  const json = JSON.stringify(config)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return `window.__STORYREEL_CONFIG__=${json};`;
}
