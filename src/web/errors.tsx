/**
 * Refusals and failures as pages: a clear sentence, the status, never a stack or an internal
 * message (those go to the log). An htmx request gets the sentence as a fragment.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { HTTPException } from "hono/http-exception";
import { UserError } from "../errors.ts";
import { page } from "./layout.tsx";
import type { WebContext, WebDeps } from "./types.ts";

export function denied(c: WebContext, status: ContentfulStatusCode, message: string) {
  if (c.req.header("hx-request") === "true") return c.html(<p class="error" role="alert">{message}</p>, status);
  return page(
    c,
    status === 404 ? "Not found" : status === 401 || status === 403 ? "Not permitted" : "Refused",
    <section class="refusal">
      <h1>{status === 404 ? "Not found" : status === 401 || status === 403 ? "Not permitted" : "Refused"}</h1>
      <p role="alert">{message}</p>
      <p>
        <a href="/">Back to the queue</a>
      </p>
    </section>,
    { status },
  );
}

const USER_STATUS: Record<number, ContentfulStatusCode> = { 64: 400, 65: 400, 66: 404, 69: 503, 73: 500, 75: 409, 77: 403, 78: 500 };

/** `app.onError`: a UserError's sentence is shown (it is written for people); anything else is logged and shown as a generic failure. */
export function onError(deps: WebDeps) {
  return (err: Error, c: WebContext) => {
    if (err instanceof HTTPException) {
      const res = err.getResponse();
      if (res.status === 413) return c.text("The request is larger than this page accepts.", 413);
      return denied(c, res.status as ContentfulStatusCode, res.status === 400 ? "The request could not be read." : "Refused.");
    }
    if (err instanceof UserError) return denied(c, USER_STATUS[err.exitCode] ?? 400, err.message);
    deps.log.error({ err: { name: err.name, message: err.message, stack: err.stack }, path: c.req.path, method: c.req.method }, "web: request failed");
    return denied(c, 500, "Something went wrong on the desk. The error is in the service's log; reload the page to see things as they are now.");
  };
}
