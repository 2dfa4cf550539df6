/** Readiness and inventory come with their own issue: their place in the layout says so. */
import { requireRole } from "../auth.ts";
import { page } from "../layout.tsx";
import type { WebApp } from "../types.ts";

export function soonRoutes(app: WebApp): void {
  for (const [path, key, title] of [
    ["/readiness", "readiness", "Readiness"],
    ["/inventory", "inventory", "Inventory"],
  ] as const) {
    app.get(path, requireRole("viewer"), (c) =>
      page(
        c,
        title,
        <section>
          <h1>{title}</h1>
          <p class="muted">This page is not built yet: it comes with its own issue. Nothing here is checked.</p>
        </section>,
        { active: key },
      ),
    );
  }
}
