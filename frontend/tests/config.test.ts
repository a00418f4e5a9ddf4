import {
  clientConfigScript,
  DEFAULT_API_URL,
  getApiBaseUrl,
  getApiToken,
  resolveServerApiToken,
  resolveServerApiUrl,
  toAbsoluteMediaUrl,
} from "@/lib/config";

import { TEST_API } from "./msw";

describe("API base URL", () => {
  afterEach(() => {
    window.__STORYREEL_CONFIG__ = { apiUrl: TEST_API };
    vi.unstubAllEnvs();
  });

  it("prefers the runtime STORYREEL_API_URL on the server", () => {
    vi.stubEnv("NEXT_PUBLIC_API_URL", "http://build-time:8000");
    expect(resolveServerApiUrl({ STORYREEL_API_URL: "http://127.0.0.1:8765/" })).toBe(
      "http://127.0.0.1:8765",
    );
  });

  it("falls back to NEXT_PUBLIC_API_URL, then localhost:8000", () => {
    vi.stubEnv("NEXT_PUBLIC_API_URL", "http://build-time:8000");
    expect(resolveServerApiUrl({})).toBe("http://build-time:8000");
    vi.stubEnv("NEXT_PUBLIC_API_URL", "");
    expect(resolveServerApiUrl({})).toBe(DEFAULT_API_URL);
  });

  it("reads the value injected into the page in the browser", () => {
    window.__STORYREEL_CONFIG__ = { apiUrl: "http://127.0.0.1:8765/" };
    expect(getApiBaseUrl()).toBe("http://127.0.0.1:8765");
    window.__STORYREEL_CONFIG__ = undefined;
    vi.stubEnv("NEXT_PUBLIC_API_URL", "");
    expect(getApiBaseUrl()).toBe(DEFAULT_API_URL);
  });

  it("prefixes URL-relative media paths and keeps absolute ones", () => {
    expect(toAbsoluteMediaUrl("/media/projects/1/output/final.mp4")).toBe(
      `${TEST_API}/media/projects/1/output/final.mp4`,
    );
    expect(toAbsoluteMediaUrl("http://cdn/x.png")).toBe("http://cdn/x.png");
  });

  it("serialises the config so no value can close the script tag", () => {
    const script = clientConfigScript({ apiUrl: "http://x/</script><script>alert(1)</script>" });
    expect(script).not.toContain("</script>");
    expect(script.startsWith("window.__STORYREEL_CONFIG__=")).toBe(true);
  });

  it("reads the API token at run time on the server and from the page in the browser", () => {
    expect(resolveServerApiToken({ STORYREEL_API_TOKEN: " abc " })).toBe("abc");
    expect(resolveServerApiToken({})).toBe("");
    window.__STORYREEL_CONFIG__ = { apiUrl: TEST_API, apiToken: "abc" };
    expect(getApiToken()).toBe("abc");
    window.__STORYREEL_CONFIG__ = { apiUrl: TEST_API };
    expect(getApiToken()).toBe("");
  });
});
