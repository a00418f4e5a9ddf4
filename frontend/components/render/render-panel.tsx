"use client";

import { InfoIcon } from "lucide-react";
import { useMemo } from "react";

import { RenderButton } from "@/components/render/render-button";
import { QuickPreview } from "@/components/render/quick-preview";
import { RenderLog } from "@/components/render/render-log";
import { RenderProgress } from "@/components/render/render-progress";
import { VideoPreview } from "@/components/render/video-preview";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { getCaptionsUrl, getVideoUrl } from "@/lib/api";
import { describeRenderBlockers } from "@/lib/render-readiness";
import { useAppStore } from "@/lib/store";
import type { ProjectDetail } from "@/lib/types";
import { pluralize } from "@/lib/utils";

/**
 * Export: the render action, its live progress (with Cancel), how the last render ended when it left no new video
 * (cancelled; or failed, with its log), and the latest video.
 */
export function RenderPanel({ project }: { project: ProjectDetail }) {
  const renderStatus = useAppStore((s) => s.renderStatus);
  const renderError = useAppStore((s) => s.renderError);
  const outputUrl = useAppStore((s) => s.outputUrl);
  const renderVersion = useAppStore((s) => s.renderVersion);
  const renderNotice = useAppStore((s) => s.renderNotice);
  const startRender = useAppStore((s) => s.startRender);
  const downloadVideo = useAppStore((s) => s.downloadVideo);

  const blockers = useMemo(() => describeRenderBlockers(project.segments), [project.segments]);
  const videoUrl = outputUrl ?? project.output_url;
  const busy = renderStatus === "rendering" || renderStatus === "validating";
  const version = project.output_info?.rendered_at ?? String(renderVersion);

  return (
    <div className="grid gap-4">
      <Card>
        <CardHeader className="pb-4">
          <CardTitle>Export</CardTitle>
          <CardDescription>
            {pluralize(project.segments.length, "segment")} · {project.resolution_width} ×{" "}
            {project.resolution_height} · {project.framerate} fps
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          <RenderButton
            status={renderStatus}
            blockers={blockers}
            error={renderError}
            onRender={() => void startRender(project.id)}
            onDownload={() => downloadVideo(project.id)}
          />
          {busy && <RenderProgress projectId={project.id} />}
          {renderNotice && (
            <Alert role="status" data-testid="render-notice">
              <InfoIcon aria-hidden="true" />
              <AlertDescription>{renderNotice}</AlertDescription>
            </Alert>
          )}
          {renderStatus === "failed" && <RenderLog projectId={project.id} />}
        </CardContent>
      </Card>

      <QuickPreview projectId={project.id} disabled={blockers.length > 0} />

      <Card id="preview" className="scroll-mt-20">
        <CardHeader className="pb-4">
          <CardTitle>Video</CardTitle>
          {!videoUrl && (
            <CardDescription>
              {busy
                ? "Your video will appear here when the render finishes."
                : "Export the video to preview it here."}
            </CardDescription>
          )}
        </CardHeader>
        {videoUrl && (
          <CardContent>
            <VideoPreview
              src={getVideoUrl(videoUrl)}
              version={version}
              info={project.output_info}
              title={project.title}
              onDownload={() => downloadVideo(project.id)}
              captions={
                project.caption_files
                  ? {
                      srt: getCaptionsUrl(project.caption_files.srt),
                      vtt: getCaptionsUrl(project.caption_files.vtt),
                    }
                  : null
              }
            />
          </CardContent>
        )}
      </Card>
    </div>
  );
}
