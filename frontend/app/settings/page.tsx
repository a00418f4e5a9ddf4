import type { Metadata } from "next";

import { SettingsForm } from "@/components/settings/settings-form";

export const metadata: Metadata = { title: "Settings" };

export default function SettingsPage() {
  return (
    <div className="mx-auto grid max-w-2xl gap-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
        <p className="text-sm text-muted-foreground">
          Defaults for every project: narration voice and speed, camera motion.
        </p>
      </div>
      <SettingsForm />
    </div>
  );
}
