/** `GET /`: where each part of the gateway answers, as JSON, or as a small page for a browser. */
import { Hono } from 'hono';
import { accepts } from 'hono/accepts';
import { html } from 'hono/html';

export interface GatewayLink {
  /** The key in the JSON index. */
  name: string;
  /** How the start line and the page call it. */
  title: string;
  path: string;
}

/** The page loads nothing from anywhere: no script, only its own inline style. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

export function indexRoutes(links: GatewayLink[]): Hono {
  const app = new Hono();
  const index = { name: 'Jobs gateway', links: Object.fromEntries(links.map((l) => [l.name, l.path])) };
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Jobs gateway</title>
        <style>
          body {
            font:
              16px/1.5 system-ui,
              sans-serif;
            max-width: 40rem;
            margin: 2rem auto;
            padding: 0 1rem;
          }
        </style>
      </head>
      <body>
        <h1>Jobs gateway</h1>
        <ul>
          ${links.map((l) => html`<li><a href="${l.path}">${l.title}</a> <code>${l.path}</code></li>`)}
        </ul>
      </body>
    </html>`;

  app.get('/', async (c) => {
    c.header('vary', 'accept');
    const wanted = accepts(c, {
      header: 'Accept',
      supports: ['application/json', 'text/html'],
      default: 'application/json',
    });
    if (wanted === 'text/html') return c.html(await page, 200, { 'content-security-policy': PAGE_POLICY });
    return c.json(index);
  });
  return app;
}
