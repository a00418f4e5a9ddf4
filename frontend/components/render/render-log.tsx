"use client";

import { ChevronRightIcon, ExternalLinkIcon } from "lucide-react";
import { useEffect } from "react";

import { getJobLogUrl } from "@/lib/api";
import { useAppStore } from "@/lib/store";
import { pluralize } from "@/lib/utils";

/**
 * The log of a failed render: a collapsible panel (closed at first) with the job's last log lines (≤ 20, from the
 * status endpoint) in monospace, and a link to the job's full plain-text log (`GET /api/jobs/{id}/log/`, carrying
 * the API token as `access_token` when one is configured, as the download link does). When the failure was loaded
 * with the project rather than seen live, the lines are fetched once from the status endpoint.
 */
export function RenderLog({ projectId }: { projectId: string }) {
  const jobId = useAppStore((s) => s.renderJobId);
  const lines = useAppStore((s) => s.renderLogTail);
  const loadRenderLog = useAppStore((s) => s.loadRenderLog);

  useEffect(() => {
    if (jobId === null) void loadRenderLog(projectId);
  }, [jobId, projectId, loadRenderLog]);

  if (jobId === null && lines.length === 0) return null;

  return (
    <details className="group rounded-md border bg-card text-sm" data-testid="render-log">
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-md px-3 py-2 font-medium outline-none select-none hover:bg-accent focus-visible:ring-2 focus-visible:ring-ring [&::-webkit-details-marker]:hidden">
        <ChevronRightIcon
          className="size-4 shrink-0 text-muted-foreground transition-transform group-open:rotate-90"
          aria-hidden="true"
        />
        Render log
        <span className="text-xs font-normal text-muted-foreground">
          {lines.length > 0 ? `last ${pluralize(lines.length, "line")}` : "no lines recorded"}
        </span>
      </summary>
      <div className="grid gap-2 border-t px-3 py-2.5">
        {lines.length > 0 && (
          <pre
            className="max-h-72 overflow-auto rounded bg-muted px-2.5 py-2 font-mono text-xs leading-relaxed break-all whitespace-pre-wrap"
            data-testid="render-log-lines"
          >
            {lines.join("\n")}
          </pre>
        )}
        {jobId !== null && (
          <a
            href={getJobLogUrl(jobId)}
            target="_blank"
            rel="noopener noreferrer"
            className="inline-flex w-fit items-center gap-1.5 text-xs font-medium underline-offset-4 hover:underline focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
          >
            <ExternalLinkIcon className="size-3.5" aria-hidden="true" />
            Full log
          </a>
        )}
      </div>
    </details>
  );
}
