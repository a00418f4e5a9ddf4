"use client";

import { DownloadIcon } from "lucide-react";

import { Button } from "@/components/ui/button";
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
}

/** Appends `v=<version>` so a re-rendered file at the same path is not served from cache. */
export function withCacheBuster(src: string, version: string): string {
  const separator = src.includes("?") ? "&" : "?";
  return `${src}${separator}v=${encodeURIComponent(version)}`;
}

/** The rendered video with its duration, size, resolution and frame rate, and a download button. */
export function VideoPreview({ src, version, info, title, onDownload }: VideoPreviewProps) {
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
          className="aspect-video w-full bg-black object-contain"
          aria-label={`Video: ${title}`}
          data-testid="video-preview"
        >
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
        <Button variant="outline" onClick={onDownload} className="w-full sm:w-fit">
          <DownloadIcon aria-hidden="true" />
          {"Download "}
          <span className="sr-only">{title}.mp4</span>
        </Button>
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
