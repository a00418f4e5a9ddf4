import { describeRenderBlockers } from "@/lib/render-readiness";
import { parseStoryJson } from "@/lib/story-import";

describe("parseStoryJson", () => {
  it("reads an object with a title and segments", () => {
    expect(
      parseStoryJson(
        '{"title":" Tide ","segments":[{"text_content":"One","image_prompt":"Sea"},{"text":"Two"}]}',
      ),
    ).toEqual({
      ok: true,
      title: "Tide",
      segments: [{ text_content: "One", image_prompt: "Sea" }, { text_content: "Two" }],
    });
  });

  it("reads a bare array of segments or strings", () => {
    expect(parseStoryJson('["One", {"text_content": "Two", "prompt": "P"}]')).toEqual({
      ok: true,
      title: null,
      segments: [{ text_content: "One" }, { text_content: "Two", image_prompt: "P" }],
    });
  });

  it("explains what is wrong", () => {
    expect(parseStoryJson("")).toEqual({ ok: false, error: "Paste the story as JSON first." });
    expect(parseStoryJson("{oops")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^That isn't valid JSON/),
    });
    expect(parseStoryJson('{"title":"x"}')).toMatchObject({
      ok: false,
      error: expect.stringContaining('"segments"'),
    });
    expect(parseStoryJson("[]")).toEqual({ ok: false, error: "The story has no segments." });
    expect(parseStoryJson("[1]")).toEqual({ ok: false, error: "Segment 1 must be an object or a string." });
  });
});

describe("describeRenderBlockers", () => {
  const ready = { image_file: "i", audio_file: "a" };

  it("is empty when every segment has an image and narration", () => {
    expect(describeRenderBlockers([ready, ready])).toEqual([]);
  });

  it("names each segment and what it lacks", () => {
    expect(
      describeRenderBlockers([
        ready,
        { image_file: null, audio_file: "a" },
        { image_file: "i", audio_file: null },
      ]),
    ).toEqual(["Segment 2 needs an image", "Segment 3 needs narration"]);
    expect(describeRenderBlockers([{ image_file: null, audio_file: null }])).toEqual([
      "Segment 1 needs an image and narration",
    ]);
  });

  it("asks for a segment when there is none, and summarises long lists", () => {
    expect(describeRenderBlockers([])).toEqual(["Add at least one segment"]);
    const missing = Array.from({ length: 7 }, () => ({ image_file: null, audio_file: "a" }));
    const reasons = describeRenderBlockers(missing);
    expect(reasons).toHaveLength(5);
    expect(reasons[4]).toBe("3 more segments need attention");
  });
});
