import { cn, formatDuration, formatFileSize, formatRelativeTime, pluralize } from "@/lib/utils";

describe("formatDuration", () => {
  it.each([
    [0, "0:00"],
    [4.2, "0:04"],
    [59.6, "1:00"],
    [65, "1:05"],
    [83.4, "1:23"],
    [600, "10:00"],
    [3725, "62:05"],
  ])("%s s → %s", (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });

  it("treats missing or invalid values as 0:00", () => {
    expect(formatDuration(null)).toBe("0:00");
    expect(formatDuration(undefined)).toBe("0:00");
    expect(formatDuration(Number.NaN)).toBe("0:00");
    expect(formatDuration(-3)).toBe("0:00");
  });
});

describe("formatFileSize", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [1536, "1.5 KB"],
    [12_897_484, "12.3 MB"],
    [25 * 1024 * 1024, "25.0 MB"],
    [3 * 1024 ** 3, "3.0 GB"],
  ])("%s bytes → %s", (bytes, expected) => {
    expect(formatFileSize(bytes)).toBe(expected);
  });

  it("handles invalid input", () => {
    expect(formatFileSize(null)).toBe("0 B");
    expect(formatFileSize(-1)).toBe("0 B");
  });
});

describe("cn", () => {
  it("joins classes and lets later Tailwind utilities win", () => {
    const hidden = false;
    expect(cn("px-2 py-1", hidden && "hidden", "px-4")).toBe("py-1 px-4");
  });
});

describe("pluralize and formatRelativeTime", () => {
  it("pluralizes", () => {
    expect(pluralize(1, "segment")).toBe("1 segment");
    expect(pluralize(3, "segment")).toBe("3 segments");
    expect(pluralize(2, "story", "stories")).toBe("2 stories");
  });

  it("describes times relative to now", () => {
    const now = new Date("2025-11-21T12:00:00Z");
    expect(formatRelativeTime("2025-11-21T11:59:50Z", now)).toBe("just now");
    expect(formatRelativeTime("2025-11-21T11:55:00Z", now)).toBe("5 minutes ago");
    expect(formatRelativeTime("2025-11-20T12:00:00Z", now)).toBe("yesterday");
    expect(formatRelativeTime("not a date", now)).toBe("");
  });
});
