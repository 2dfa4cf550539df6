/** The inventory page comes with its own issue: its place in the layout says so. (Readiness: routes/readiness.tsx.) */
import { requireRole } from "../auth.ts";
import { page } from "../layout.tsx";
import type { WebApp } from "../types.ts";

export function soonRoutes(app: WebApp): void {
  for (const [path, key, title] of [
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
