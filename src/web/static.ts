/**
 * The static files: our stylesheet and script (src/web/static/) and htmx from its package
 * (node_modules/htmx.org/dist: no CDN). A fixed table read once at start, served by name: no
 * path from the request ever reaches the file system. URLs carry the content's hash, so they are
 * cached for good and a new version is a new URL.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

const require = createRequire(import.meta.url);

function load(path: string, type: string): Asset {
  const body = readFileSync(path);
  return { body, type, hash: createHash("sha256").update(body).digest("hex").slice(0, 16) };
}

let assets: Map<string, Asset> | null = null;

function table(): Map<string, Asset> {
  if (assets) return assets;
  const own = (name: string) => fileURLToPath(new URL(`./static/${name}`, import.meta.url));
  const htmxDir = require.resolve("htmx.org/package.json").replace(/package\.json$/, "dist/");
  assets = new Map([
    ["app.css", load(own("app.css"), "text/css; charset=UTF-8")],
    ["app.js", load(own("app.js"), "text/javascript; charset=UTF-8")],
    ["case.css", load(own("case.css"), "text/css; charset=UTF-8")],
    ["case.js", load(own("case.js"), "text/javascript; charset=UTF-8")],
    ["htmx.min.js", load(`${htmxDir}htmx.min.js`, "text/javascript; charset=UTF-8")],
  ]);
  return assets;
}

/** The URL of a static file, with its content hash (`/static/app.js?v=…`). */
export function assetPath(name: string): string {
  const a = table().get(name);
  if (!a) throw new Error(`no static file ${name}`);
  return `/static/${name}?v=${a.hash}`;
}

export function staticRoutes(app: Hono<never>): void {
  // Browsers ask for it on their own; it is not a page (and must not bounce to the sign-in page).
  app.get("/favicon.ico", (c) => c.body(null, 204, { "Cache-Control": "public, max-age=86400" }));
  app.get("/static/:name", (c) => {
    const a = table().get(c.req.param("name"));
    if (!a) return c.text("Not found.", 404);
    return c.body(new Uint8Array(a.body), 200, { "Content-Type": a.type, "Cache-Control": "public, max-age=31536000, immutable", ETag: `"${a.hash}"` });
  });
}
