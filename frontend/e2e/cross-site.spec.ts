import http from "node:http";
import type { AddressInfo } from "node:net";

import { expect, test } from "@playwright/test";

import { makeTestPng } from "./helpers/png";
import { makeWav } from "./helpers/wav";

/**
 * Issue 9, row 1: a page on another origin (any site the user visits) must not be able to change anything through
 * the local API. The page below, served from its own origin, submits plain forms (which a browser sends without any
 * CORS preflight) and fires `fetch(…, {mode: "no-cors"})` requests; afterwards nothing was created or started.
 */

const BACKEND = process.env.STORYREEL_E2E_BACKEND_URL ?? "http://127.0.0.1:8765";

function attackPage(projectId: string): string {
  return `<!doctype html>
<html><body>
<form id="create" method="POST" action="${BACKEND}/api/projects/">
  <input name="title" value="Pwned by a form">
</form>
<form id="render" method="POST" action="${BACKEND}/api/projects/${projectId}/render/" enctype="text/plain">
  <input name="go" value="1">
</form>
<script>
  const opts = (body) => ({ method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body });
  window.attack = Promise.allSettled([
    fetch("${BACKEND}/api/projects/", { method: "POST", mode: "no-cors", body: new URLSearchParams({ title: "Pwned by fetch" }) }),
    fetch("${BACKEND}/api/projects/import/", opts(JSON.stringify({ format: "text", title: "Pwned import", raw_text: "hi" }))),
    fetch("${BACKEND}/api/projects/${projectId}/render/", opts("")),
    fetch("${BACKEND}/api/projects/${projectId}/", { method: "DELETE", mode: "no-cors" }),
  ]).then((results) => results.map((r) => r.status));
</script>
</body></html>`;
}

test("a page on another origin can neither create projects nor start renders", async ({ page, request }) => {
  // A project that is ready to render, made the way the CLI would (no Origin header: allowed).
  const imported = await request.post(`${BACKEND}/api/projects/import/`, {
    data: { format: "json", title: "Target", segments: [{ text_content: "One." }] },
  });
  expect(imported.status()).toBe(201);
  const project = (await imported.json()) as { id: string; segments: Array<{ id: string }> };
  const upload = await request.patch(`${BACKEND}/api/segments/${project.segments[0]!.id}/`, {
    multipart: {
      image_file: { name: "a.png", mimeType: "image/png", buffer: makeTestPng(320, 180, [200, 80, 60]) },
      audio_file: { name: "a.wav", mimeType: "audio/wav", buffer: makeWav(0.6) },
    },
  });
  expect(upload.status()).toBe(200);
  await request.patch(`${BACKEND}/api/projects/${project.id}/`, {
    data: { resolution_width: 320, resolution_height: 180, framerate: 12 },
  });

  const evil = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(attackPage(project.id));
  });
  await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
  const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
  try {
    await page.goto(evilUrl);
    // no-cors fetches resolve with opaque responses whatever the server answered; what matters is the server side.
    await page.evaluate(() => (window as unknown as { attack: Promise<unknown> }).attack);

    for (const form of ["create", "render"]) {
      const answer = page.waitForResponse(
        (r) => r.request().method() === "POST" && r.url().startsWith(BACKEND),
      );
      await page.evaluate((id) => (document.getElementById(id) as HTMLFormElement).submit(), form);
      expect((await answer).status()).toBe(403);
      // let the form's navigation to the 403 page finish before going back to the attack page
      await page.waitForURL((url) => url.href.startsWith(BACKEND));
      await page.goto(evilUrl);
    }
  } finally {
    await new Promise((resolve) => evil.close(resolve));
  }

  const list = (await (await request.get(`${BACKEND}/api/projects/`)).json()) as {
    results: Array<{ id: string; title: string; status: string }>;
  };
  expect(list.results.filter((p) => p.title.startsWith("Pwned"))).toEqual([]);
  const target = list.results.find((p) => p.id === project.id);
  expect(target?.status).toBe("DRAFT"); // not rendered, not deleted
});
