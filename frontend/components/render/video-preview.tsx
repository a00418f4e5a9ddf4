"use client";

import { CaptionsIcon, DownloadIcon } from "lucide-react";

import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import type { OutputInfo } from "@/lib/types";
import { formatDuration, formatFileSize } from "@/lib/utils";

export interface VideoPreviewProps {
  /** Absolute URL of the video, without a cache-buster. */
  src: string;
  /** Changes after every render (the `rendered_at` time, or a counter) so the browser fetches the new file. */
  version: string;
  info: OutputInfo | null;
  title: string;
  onDownload: () => void;
  /** Absolute URLs of the captions that go with this video (WebVTT for the player, SRT and VTT to download). The
   * track is listed but off by default: the same captions are burned into the picture. */
  captions?: { srt: string; vtt: string } | null;
  /** Language of the captions track (BCP 47, e.g. "en"). */
  captionsLanguage?: string;
}

/** Appends `v=<version>` so a re-rendered file at the same path is not served from cache. */
export function withCacheBuster(src: string, version: string): string {
  const separator = src.includes("?") ? "&" : "?";
  return `${src}${separator}v=${encodeURIComponent(version)}`;
}

/** Saves a text file from another origin under `filename` (a cross-origin `download` attribute is ignored, so the
 * file is fetched and saved from a same-origin blob URL). */
export async function downloadText(url: string, filename: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Download failed (${response.status})`);
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
}

/** The rendered video with its duration, size, resolution and frame rate, and a download button. */
export function VideoPreview({
  src,
  version,
  info,
  title,
  onDownload,
  captions,
  captionsLanguage = "en",
}: VideoPreviewProps) {
  const url = withCacheBuster(src, version);
  return (
    <figure className="grid gap-3">
      <div className="overflow-hidden rounded-lg border bg-black">
        <video
          key={url}
          src={url}
          controls
          playsInline
          preload="metadata"
          crossOrigin={captions ? "anonymous" : undefined}
          className="aspect-video w-full bg-black object-contain"
          aria-label={`Video: ${title}`}
          data-testid="video-preview"
        >
          {captions && (
            <track
              kind="captions"
              src={withCacheBuster(captions.vtt, version)}
              srcLang={captionsLanguage}
              label="Captions"
            />
          )}
          Your browser can&apos;t play this video. Use Download to save it instead.
        </video>
      </div>
      <figcaption className="grid gap-3">
        {info && (
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1.5 text-sm sm:grid-cols-4">
            <VideoFact label="Duration" value={formatDuration(info.duration)} />
            <VideoFact label="File size" value={formatFileSize(info.file_size)} />
            <VideoFact label="Resolution" value={`${info.width} × ${info.height}`} />
            <VideoFact label="Frame rate" value={`${info.fps} fps`} />
          </dl>
        )}
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" onClick={onDownload} className="w-full sm:w-fit">
            <DownloadIcon aria-hidden="true" />
            {"Download "}
            <span className="sr-only">{title}.mp4</span>
          </Button>
          {captions && (
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="outline" className="w-full sm:w-fit">
                  <CaptionsIcon aria-hidden="true" />
                  Captions
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent>
                <DropdownMenuItem onSelect={() => void downloadText(captions.srt, `${title}.srt`)}>
                  Captions (SRT)
                </DropdownMenuItem>
                <DropdownMenuItem onSelect={() => void downloadText(captions.vtt, `${title}.vtt`)}>
                  Captions (WebVTT)
                </DropdownMenuItem>
              </DropdownMenuContent>
            </DropdownMenu>
          )}
        </div>
      </figcaption>
    </figure>
  );
}

function VideoFact({ label, value }: { label: string; value: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="truncate font-medium tabular-nums">{value}</dd>
    </div>
  );
}
