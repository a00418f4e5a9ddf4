"use client";

import { BracesIcon, FileTextIcon, UploadIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent, type ReactNode } from "react";

import { FormDialog } from "@/components/form-dialog";
import { Button } from "@/components/ui/button";
import { FormField, fieldErrorAria } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { Textarea } from "@/components/ui/textarea";
import { toApiError } from "@/lib/api";
import { useAppStore } from "@/lib/store";
import { parseStoryJson } from "@/lib/story-import";
import type { ImportStoryRequest } from "@/lib/types";

type ImportFormat = "text" | "json";

const TEXT_PLACEHOLDER = `Text: The lighthouse keeper climbed the stairs one last time.
Prompt: A lonely lighthouse at dusk, oil painting
---
Text: Below, the sea had gone quiet, as if listening.
Prompt: Calm dark sea under a violet sky`;

const JSON_PLACEHOLDER = `{
  "title": "The Lighthouse Keeper",
  "segments": [
    { "text_content": "The lighthouse keeper climbed the stairs one last time.",
      "image_prompt": "A lonely lighthouse at dusk, oil painting" }
  ]
}`;

interface StoryErrors {
  title?: string;
  story?: string;
  storyDetails?: readonly string[];
}

/** "Import story": paste a story as text blocks or JSON; the server's complaints appear under the paste area. */
export function ImportStoryDialog({ trigger }: { trigger?: ReactNode }) {
  const router = useRouter();
  const importStory = useAppStore((s) => s.importStory);
  const [format, setFormat] = useState<ImportFormat>("text");
  const [title, setTitle] = useState("");
  const [drafts, setDrafts] = useState<Record<ImportFormat, string>>({ text: "", json: "" });
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<StoryErrors>({});
  const baseId = useId();
  const titleId = `${baseId}-title`;
  const storyErrorId = `${baseId}-story-error`;
  const storyHelpId = `${baseId}-story-help`;

  const reset = () => {
    setTitle("");
    setDrafts({ text: "", json: "" });
    setErrors({});
    setFormat("text");
  };

  const buildRequest = (): ImportStoryRequest | StoryErrors => {
    const raw = drafts[format];
    if (format === "json") {
      const parsed = parseStoryJson(raw);
      if (!parsed.ok) return { story: parsed.error };
      const finalTitle = title.trim() || parsed.title;
      if (!finalTitle) return { title: "Give the story a title." };
      return { format: "json", title: finalTitle, segments: parsed.segments };
    }
    const finalTitle = title.trim();
    const problems: StoryErrors = {};
    if (!finalTitle) problems.title = "Give the story a title.";
    if (!raw.trim()) problems.story = "Paste the story text first.";
    if (problems.title || problems.story) return problems;
    return { format: "text", title: finalTitle, raw_text: raw };
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const request = buildRequest();
    if (!("format" in request)) {
      setErrors(request);
      return;
    }
    setErrors({});
    setPending(true);
    try {
      const project = await importStory(request);
      router.push(`/projects/${project.id}`);
    } catch (caught) {
      const apiError = toApiError(caught);
      const titleMessage = apiError.fieldMessage("title");
      const storyField = apiError.fieldMessage(format === "json" ? "segments" : "raw_text");
      const story =
        titleMessage && !storyField && apiError.details.length === 0
          ? undefined
          : (storyField ?? apiError.message);
      setErrors({
        title: titleMessage,
        story,
        // The summary often repeats the first detail; list each message once.
        storyDetails: apiError.details.filter((detail) => detail !== story),
      });
      setPending(false);
    }
  };

  const storyInvalid = Boolean(errors.story);

  return (
    <FormDialog
      trigger={
        trigger ?? (
          <Button variant="outline">
            <UploadIcon aria-hidden="true" />
            Import story
          </Button>
        )
      }
      title="Import a story"
      description="Paste the whole story; each block becomes a segment with its narration text and image prompt."
      submitLabel="Import story"
      pending={pending}
      onSubmit={submit}
      onDismiss={reset}
      className="max-w-2xl"
    >
      <FormField id={titleId} label="Title" error={errors.title}>
        <Input
          id={titleId}
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          maxLength={200}
          placeholder={format === "json" ? "Taken from the JSON if left empty" : "The Lighthouse Keeper"}
          {...fieldErrorAria(titleId, errors.title)}
        />
      </FormField>
      <Tabs
        value={format}
        onValueChange={(value) => {
          setFormat(value === "json" ? "json" : "text");
          setErrors({});
        }}
        className="grid gap-3"
      >
        <TabsList aria-label="Story format">
          <TabsTrigger value="text">
            <FileTextIcon aria-hidden="true" />
            Text
          </TabsTrigger>
          <TabsTrigger value="json">
            <BracesIcon aria-hidden="true" />
            JSON
          </TabsTrigger>
        </TabsList>
        {(["text", "json"] as const).map((tab) => (
          <TabsContent key={tab} value={tab} className="grid gap-2">
            <Label htmlFor={`${baseId}-${tab}`}>{tab === "text" ? "Story text" : "Story JSON"}</Label>
            <Textarea
              id={`${baseId}-${tab}`}
              value={drafts[tab]}
              onChange={(event) => setDrafts((current) => ({ ...current, [tab]: event.target.value }))}
              placeholder={tab === "text" ? TEXT_PLACEHOLDER : JSON_PLACEHOLDER}
              spellCheck={tab === "text"}
              className="min-h-56 font-mono text-[13px]"
              aria-invalid={storyInvalid ? true : undefined}
              aria-describedby={storyInvalid ? `${storyErrorId} ${storyHelpId}` : storyHelpId}
            />
            <p id={storyHelpId} className="text-xs text-muted-foreground">
              {tab === "text" ? (
                <>
                  Separate segments with a line containing only <code className="font-mono">---</code>. Label
                  lines with <code className="font-mono">Text:</code> and{" "}
                  <code className="font-mono">Prompt:</code>, or paste plain paragraphs.
                </>
              ) : (
                <>
                  An object with <code className="font-mono">title</code> and{" "}
                  <code className="font-mono">segments</code>, each with{" "}
                  <code className="font-mono">text_content</code> and an optional{" "}
                  <code className="font-mono">image_prompt</code>.
                </>
              )}
            </p>
          </TabsContent>
        ))}
      </Tabs>
      {errors.story && (
        <div
          id={storyErrorId}
          role="alert"
          className="grid gap-1 rounded-md border border-destructive/30 bg-destructive/5 px-3 py-2 text-sm text-destructive"
        >
          <p className="font-medium">{errors.story}</p>
          {errors.storyDetails && errors.storyDetails.length > 0 && (
            <ul className="list-disc pl-5">
              {errors.storyDetails.map((detail) => (
                <li key={detail}>{detail}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </FormDialog>
  );
}
