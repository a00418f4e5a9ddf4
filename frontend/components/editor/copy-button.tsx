"use client";

import { CheckIcon, CopyIcon } from "lucide-react";
import { useEffect, useState } from "react";

import { Button } from "@/components/ui/button";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";

/** Copies text to the clipboard and confirms with a check mark for a moment. */
export function CopyButton({ text, label, disabled }: { text: string; label: string; disabled?: boolean }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 1_800);
    return () => clearTimeout(timer);
  }, [state]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  };

  const feedback = state === "copied" ? "Copied" : state === "failed" ? "Couldn't copy" : label;
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <Button
          variant="ghost"
          size="icon-sm"
          onClick={() => void copy()}
          disabled={disabled || !text}
          aria-label={label}
        >
          {state === "copied" ? <CheckIcon aria-hidden="true" /> : <CopyIcon aria-hidden="true" />}
        </Button>
      </TooltipTrigger>
      <TooltipContent>{feedback}</TooltipContent>
      <span className="sr-only" aria-live="polite">
        {state === "copied"
          ? "Copied to the clipboard"
          : state === "failed"
            ? "Couldn't copy to the clipboard"
            : ""}
      </span>
    </Tooltip>
  );
}
