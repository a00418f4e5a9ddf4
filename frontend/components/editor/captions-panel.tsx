"use client";

import type { CSSProperties } from "react";

import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useSave } from "@/lib/hooks/use-save";
import type { CaptionMode, CaptionStyle, ProjectDetail, ProjectUpdateRequest } from "@/lib/types";

const MODES: { value: CaptionMode; label: string }[] = [
  { value: "off", label: "Off" },
  { value: "sentence", label: "Sentences" },
  { value: "word", label: "Word by word" },
];
const POSITIONS: { value: CaptionStyle["position"]; label: string }[] = [
  { value: "bottom", label: "Bottom" },
  { value: "middle", label: "Middle" },
];
const BACKGROUNDS: { value: CaptionStyle["background"]; label: string }[] = [
  { value: "outline", label: "Outline" },
  { value: "box", label: "Box" },
  { value: "none", label: "None" },
];

/** The first words of a segment's text that fit one caption line (42 characters, cut at a space). */
export function previewLine(text: string, max = 42): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const cut = clean.lastIndexOf(" ", max);
  return clean.slice(0, cut > 0 ? cut : max);
}

/** CSS for the preview caption: the same size (share of the picture height), colour, position and background the
 * render uses (libass: size = line height at 1080 lines; title-safe margins of 5 %). */
export function previewCaptionStyle(style: CaptionStyle): CSSProperties {
  const css: CSSProperties = {
    fontFamily: `"${style.font}", "Noto Sans", sans-serif`,
    color: style.color,
    fontSize: `${(style.size / 1080) * 100 * 0.73}cqh`,
    lineHeight: 1.35,
    left: "5%",
    right: "5%",
    textAlign: "center",
    position: "absolute",
  };
  if (style.position === "bottom") css.bottom = "5%";
  else {
    css.top = "50%";
    css.transform = "translateY(-50%)";
  }
  if (style.background === "outline") {
    css.textShadow = "0 0 2px #000, 0 0 2px #000, 0 0 3px #000";
  } else if (style.background === "none") {
    css.textShadow = "1px 1px 2px rgba(0,0,0,0.5)";
  }
  return css;
}

const CAPTION_FIELDS = ["caption_style", "caption_mode"];

/** Captions of the next render: mode, style and a still preview over a segment's picture; each change is saved at
 * once. */
export function CaptionsPanel({
  project,
  disabled,
  onSave,
}: {
  project: ProjectDetail;
  disabled?: boolean;
  onSave: (patch: ProjectUpdateRequest) => Promise<unknown>;
}) {
  const { saving, error, save } = useSave(onSave, CAPTION_FIELDS);
  const style = project.caption_style as CaptionStyle;
  const mode = project.caption_mode;
  const sample = project.segments.find((s) => s.image_file) ?? project.segments[0];

  const saveStyle = (change: Partial<CaptionStyle>) => void save({ caption_style: change });
  const off = mode === "off";
  const locked = disabled || saving;

  return (
    <Card data-testid="captions-panel">
      <CardHeader className="pb-4">
        <CardTitle>Captions</CardTitle>
        <CardDescription>
          {saving ? "Saving…" : "Burned into the video, plus a subtitle track and files."}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        <div className="grid gap-1.5">
          <Label htmlFor="caption-mode">Captions</Label>
          <Select
            value={mode}
            onValueChange={(v) => void save({ caption_mode: v as CaptionMode })}
            disabled={locked}
          >
            <SelectTrigger id="caption-mode" aria-label="Caption mode">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {MODES.map((m) => (
                <SelectItem key={m.value} value={m.value}>
                  {m.label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        {!off && (
          <>
            <div className="grid grid-cols-2 gap-3">
              <div className="grid gap-1.5">
                <Label htmlFor="caption-position">Position</Label>
                <Select
                  value={style.position}
                  onValueChange={(v) => saveStyle({ position: v as CaptionStyle["position"] })}
                  disabled={locked}
                >
                  <SelectTrigger id="caption-position" aria-label="Caption position">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {POSITIONS.map((p) => (
                      <SelectItem key={p.value} value={p.value}>
                        {p.label}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor="caption-background">Background</Label>
                <Select
                  value={style.background}
                  onValueChange={(v) => saveStyle({ background: v as CaptionStyle["background"] })}
                  disabled={locked}
                >
                  <SelectTrigger id="caption-background" aria-label="Caption background">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {BACKGROUNDS.map((b) => (
                      <SelectItem key={b.value} value={b.value}>
                        {b.label}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor="caption-font">Font</Label>
                <Input
                  id="caption-font"
                  defaultValue={style.font}
                  key={style.font}
                  disabled={locked}
                  onBlur={(e) => {
                    const font = e.currentTarget.value.trim();
                    if (font && font !== style.font) saveStyle({ font });
                  }}
                />
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor="caption-size">Size</Label>
                <Input
                  id="caption-size"
                  type="number"
                  min={16}
                  max={160}
                  defaultValue={style.size}
                  key={style.size}
                  disabled={locked}
                  onBlur={(e) => {
                    const size = Number(e.currentTarget.value);
                    if (Number.isFinite(size) && size !== style.size) saveStyle({ size: Math.round(size) });
                  }}
                />
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor="caption-color">Text colour</Label>
                <Input
                  id="caption-color"
                  type="color"
                  defaultValue={style.color.toLowerCase()}
                  key={style.color}
                  disabled={locked}
                  onBlur={(e) => {
                    const color = e.currentTarget.value.toUpperCase();
                    if (color !== style.color.toUpperCase()) saveStyle({ color });
                  }}
                />
              </div>
              {mode === "word" && (
                <div className="grid gap-1.5">
                  <Label htmlFor="caption-highlight">Spoken word</Label>
                  <Input
                    id="caption-highlight"
                    type="color"
                    defaultValue={style.highlight_color.toLowerCase()}
                    key={style.highlight_color}
                    disabled={locked}
                    onBlur={(e) => {
                      const color = e.currentTarget.value.toUpperCase();
                      if (color !== style.highlight_color.toUpperCase())
                        saveStyle({ highlight_color: color });
                    }}
                  />
                </div>
              )}
            </div>
            {sample && (
              <CaptionPreview
                image={sample.image_file ?? null}
                text={previewLine(sample.text_content)}
                style={style}
                word={mode === "word"}
                aspect={`${project.resolution_width} / ${project.resolution_height}`}
              />
            )}
          </>
        )}
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}

/** A still of one caption over a segment's picture (CSS overlay; the render draws it with libass). */
function CaptionPreview({
  image,
  text,
  style,
  word,
  aspect,
}: {
  image: string | null;
  text: string;
  style: CaptionStyle;
  word: boolean;
  aspect: string;
}) {
  const words = text.split(" ");
  const box = style.background === "box";
  return (
    <div
      className="relative w-full overflow-hidden rounded-md border bg-muted"
      style={{ aspectRatio: aspect, containerType: "size" }}
      data-testid="caption-preview"
    >
      {image && (
        // eslint-disable-next-line @next/next/no-img-element -- a media URL from the API, not a static asset
        <img src={image} alt="" className="absolute inset-0 h-full w-full object-cover" />
      )}
      <p dir="auto" style={previewCaptionStyle(style)}>
        <span style={box ? { background: "rgba(0,0,0,0.62)", padding: "0.1em 0.3em" } : undefined}>
          {words.map((w, i) => (
            <span key={i} style={word && i === 1 ? { color: style.highlight_color } : undefined}>
              {i > 0 ? " " : ""}
              {w}
            </span>
          ))}
        </span>
      </p>
    </div>
  );
}
