/**
 * The page frame: head (our stylesheet, htmx and our script, all from /static: no CDN, no inline
 * script or style), the navigation, who is signed in, and the main area.
 *
 * Everything a page renders goes through hono/jsx, which escapes text and attribute values; notice
 * content must be passed as text (`{value}`), never through hono's raw-HTML helper or an inner-HTML prop
 * (a test greps src/web for both). `Safe` also makes control and bidirectional-override
 * characters visible (src/safe-text.ts), for text that came from outside.
 */
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import { safeText } from "../safe-text.ts";
import { CSRF_FIELD } from "./csrf.ts";
import { assetPath } from "./static.ts";
import type { Principal, WebContext } from "./types.ts";

/** The navigation: one entry per area; the inventory page comes with its own issue. */
export const NAV: { href: string; label: string; key: string; soon?: boolean }[] = [
  { href: "/", label: "Queue", key: "queue" },
  { href: "/needs-a-person", label: "Needs a person", key: "needs" },
  { href: "/intake", label: "Intake", key: "intake" },
  { href: "/settings", label: "Sources & settings", key: "settings" },
  { href: "/readiness", label: "Readiness", key: "readiness" },
  { href: "/inventory", label: "Inventory", key: "inventory", soon: true },
];

/** htmx's own settings: no eval, no inline styles of its own, no script from swapped content, requests to this origin only, no history copy of pages in localStorage. */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
});

/** Text from outside (a notice, a header, a form someone else posted), made harmless to show. */
export function Safe(props: { text: string | null | undefined; max?: number }) {
  const t = props.text ?? "";
  const cut = props.max !== undefined && t.length > props.max ? `${t.slice(0, props.max)}…` : t;
  return <>{safeText(cut)}</>;
}

export function CsrfField(props: { c: WebContext }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.c.get("csrf")} />;
}

interface LayoutProps {
  title: string;
  /** The nav entry to mark as current. */
  active?: string;
  user?: Principal | null;
  csrf?: string | null;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  const { user, csrf } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · abuse-desk`}</title>
        <link rel="stylesheet" href={assetPath("app.css")} />
        <script src={assetPath("htmx.min.js")} defer></script>
        <script src={assetPath("app.js")} defer></script>
      </head>
      <body hx-headers={csrf ? JSON.stringify({ "X-CSRF-Token": csrf }) : undefined}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            abuse-desk
          </a>
          {user ? (
            <nav aria-label="Main">
              <ul>
                {NAV.map((n) => (
                  <li>
                    <a href={n.href} aria-current={props.active === n.key ? "page" : undefined} class={n.soon ? "soon" : undefined}>
                      {n.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          {user ? (
            <form class="who" method="post" action="/logout">
              <span>
                {user.name} <span class="role">({user.role})</span>
              </span>
              {csrf ? <input type="hidden" name={CSRF_FIELD} value={csrf} /> : null}
              <button type="submit">Sign out</button>
            </form>
          ) : null}
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** Renders a page in the layout, for the signed-in user of `c`. */
export function page(c: WebContext, title: string, body: Child, opts: { active?: string; status?: number } = {}) {
  const user = c.get("user") ?? null;
  const csrf = c.get("csrf") ?? null;
  const doc = (
    <Layout title={title} active={opts.active} user={user} csrf={csrf}>
      {body}
    </Layout>
  );
  return c.html(html`<!doctype html>${doc}`, (opts.status ?? 200) as 200);
}
