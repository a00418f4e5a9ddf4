import { GeistMono } from "geist/font/mono";
import { GeistSans } from "geist/font/sans";
import type { Metadata } from "next";
import { connection } from "next/server";

import { AppHeader } from "@/components/app-header";
import { TooltipProvider } from "@/components/ui/tooltip";
import { clientConfigScript, resolveServerApiToken, resolveServerApiUrl } from "@/lib/config";

import "./globals.css";

export const metadata: Metadata = {
  title: { default: "StoryReel", template: "%s · StoryReel" },
  description: "Turn a written story into a narrated Ken Burns video.",
};

export default async function RootLayout({ children }: Readonly<{ children: React.ReactNode }>) {
  // Render per request so STORYREEL_API_URL is read at run time, not baked in at build time.
  await connection();
  const apiUrl = resolveServerApiUrl();
  const apiToken = resolveServerApiToken();

  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <head>
        <script
          id="storyreel-config"
          dangerouslySetInnerHTML={{
            __html: clientConfigScript(apiToken ? { apiUrl, apiToken } : { apiUrl }),
          }}
        />
      </head>
      <body className="min-h-screen">
        <TooltipProvider delayDuration={250}>
          <a
            href="#main"
            className="sr-only z-50 rounded-md bg-primary px-3 py-2 text-primary-foreground focus:not-sr-only focus:fixed focus:top-3 focus:left-3"
          >
            Skip to content
          </a>
          <AppHeader />
          <main id="main" className="mx-auto w-full max-w-7xl px-4 pt-6 pb-16 sm:px-6 lg:px-8">
            {children}
          </main>
        </TooltipProvider>
      </body>
    </html>
  );
}
