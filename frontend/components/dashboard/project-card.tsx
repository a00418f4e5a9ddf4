import { ImageIcon, PlayIcon } from "lucide-react";
import Image from "next/image";
import Link from "next/link";

import { DeleteProjectDialog } from "@/components/dashboard/delete-project-dialog";
import { RenderStatusBadge } from "@/components/render/render-status-badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import type { Project } from "@/lib/types";
import { formatDateTime, formatRelativeTime, pluralize } from "@/lib/utils";

/** One project on the dashboard: thumbnail, title, segment count, last change, render status and actions. */
export function ProjectCard({ project }: { project: Project }) {
  const href = `/projects/${project.id}`;
  return (
    <Card
      className="group flex flex-col overflow-hidden transition-shadow hover:shadow-md"
      data-testid="project-card"
    >
      <Link href={href} tabIndex={-1} aria-hidden="true" className="relative block aspect-video bg-muted">
        {project.thumbnail_url ? (
          <Image
            src={project.thumbnail_url}
            alt=""
            fill
            sizes="(min-width: 1024px) 33vw, (min-width: 640px) 50vw, 100vw"
            className="object-cover transition-transform duration-300 group-hover:scale-[1.02]"
          />
        ) : (
          <span className="flex h-full items-center justify-center text-muted-foreground">
            <ImageIcon className="size-8" aria-hidden="true" />
          </span>
        )}
      </Link>
      <div className="flex flex-1 flex-col gap-3 p-4">
        <div className="flex items-start justify-between gap-3">
          <h3 className="min-w-0 text-base leading-snug font-semibold">
            <Link
              href={href}
              className="line-clamp-2 rounded-sm outline-none hover:underline focus-visible:ring-2 focus-visible:ring-ring"
            >
              {project.title}
            </Link>
          </h3>
          <RenderStatusBadge status={project.status} />
        </div>
        <p className="text-sm text-muted-foreground">
          {pluralize(project.segment_count, "segment")} ·{" "}
          <time dateTime={project.updated_at} title={formatDateTime(project.updated_at)}>
            Updated {formatRelativeTime(project.updated_at)}
          </time>
        </p>
        <div className="mt-auto flex items-center justify-between gap-2 pt-1">
          {project.status === "COMPLETED" ? (
            <Button asChild size="sm">
              <Link href={`${href}#preview`} aria-label={`Watch ${project.title}`}>
                <PlayIcon aria-hidden="true" />
                Watch
              </Link>
            </Button>
          ) : (
            <Button asChild size="sm" variant="outline">
              <Link href={href} aria-label={`Open ${project.title}`}>
                Open
              </Link>
            </Button>
          )}
          <DeleteProjectDialog projectId={project.id} title={project.title} />
        </div>
      </div>
    </Card>
  );
}
