/**
 * The typed browser client (examples/web) in a real Chromium, served from its own origin, against
 * the real gateway: it lists a workspace's jobs, pauses one, and shows the status change live; then
 * GraphiQL at /graphql and the REST reference at /docs. Screenshots go to test-artifacts/browser/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { servePage } from '../examples/web/build.js';
import { readManifest, TrustedDocuments } from '../src/graphql/trusted-documents.js';
import { ARTIFACTS, ensureChromium } from './support/browser.js';
import { databaseKinds, type TestDatabase } from './support/databases.js';
import { jobWithSteps } from './support/fixtures.js';
import { http, JOBS, startGateway, type RunningGateway } from './support/gateway.js';

const jobs = `${JOBS}/workspaces/default/jobs`;
/** The page's persisted-documents manifest: hash → document. */
const MANIFEST_PATH = fileURLToPath(
  new URL('../examples/web/src/gql/persisted-documents.json', import.meta.url),
);
const manifest: Record<string, string> = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));

let unavailable: string | undefined;
let browser: Browser | undefined;
let page: Page;
let site: Awaited<ReturnType<typeof servePage>> | undefined;
/** Errors thrown by the page's own scripts. */
const pageErrors: string[] = [];

beforeAll(async () => {
  const chromium = ensureChromium();
  if ('unavailable' in chromium) {
    unavailable = chromium.unavailable;
    console.warn(`Browser tests skipped: ${unavailable}`);
    return;
  }
  // One browser, one page for the whole file: Chromium is heavy on a shared 2-core machine.
  browser = await playwright.launch({ executablePath: chromium.executablePath, headless: true });
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  site = await servePage(0);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

/** Skips the test, saying why, when there is no browser here. */
function needsBrowser(ctx: TestContext) {
  ctx.skip(unavailable !== undefined, unavailable);
}

/** Waits until an element matching `selector` shows exactly `text` (a string) or matches it (a RegExp). */
async function shows(selector: string, text: string | RegExp) {
  const hasText =
    typeof text === 'string' ? new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : text;
  await page.locator(selector).filter({ hasText }).first().waitFor();
}

const screenshot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

describe.each(databaseKinds)('in a browser, on $name', (kind) => {
  let database: TestDatabase;
  let gateway: RunningGateway;
  let base: string;

  beforeAll(async () => {
    if (!site) return;
    database = await kind.create();
    // The page is served from another origin: the gateway lets it in through CORS_ORIGINS.
    gateway = await startGateway({ ...database.options, corsOrigins: [site.url], executor: false });
    base = gateway.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await database?.drop();
  });

  const step = (job: string, status: string) =>
    http(base, 'PATCH', `${jobs}/${job}/steps/step-a/status`, { status });

  it('lists the jobs, pauses one, and shows its status change live', async (ctx) => {
    needsBrowser(ctx);
    expect((await http(base, 'POST', jobs, jobWithSteps('train'))).status).toBe(201);
    expect((await step('train', 'active')).status).toBe(200);
    expect((await http(base, 'POST', jobs, jobWithSteps('finished'))).status).toBe(201);
    expect((await step('finished', 'active')).status).toBe(200);
    expect((await step('finished', 'completed')).status).toBe(200);

    await page.goto(`${site!.url}/?gateway=${encodeURIComponent(base)}&workspace=default`);
    await shows('#summary', '2 job(s) in default');
    await shows('tr[data-job="train"] .status', 'ACTIVE');
    await shows('tr[data-job="finished"] .status', 'COMPLETED');

    // The page's own pause: its typed result, then the change arriving over graphql-ws.
    await page.locator('tr[data-job="train"] button', { hasText: 'Pause' }).click();
    await shows('#result[data-kind="PauseJobSuccess"]', 'Pause requested: train is PAUSING.');
    await shows('#live-name', 'train');
    await shows('#live-status', 'PAUSING');
    await shows('#live-events li', /^ACTIVE → PAUSING at /);
    expect((await http(base, 'GET', `${jobs}/train`)).body.status).toBe('pausing');

    // An executor reports the step paused through REST: the page sees the job become paused.
    expect((await step('train', 'paused')).status).toBe(200);
    await shows('#live-status', 'PAUSED');
    await shows('#live-events li', /^PAUSING → PAUSED at /);
    await shows('tr[data-job="train"] .status', 'PAUSED');
    await screenshot(`${kind.name}-jobs-paused`);

    // A completed job cannot be paused: the union's JobStateConflictError, shown as such.
    await page.locator('tr[data-job="finished"] button', { hasText: 'Pause' }).click();
    await shows('#result[data-kind="JobStateConflictError"]', /finished.*\(status COMPLETED\)$/);
    await shows('#live-name', 'finished');
    await shows('#live-status', 'COMPLETED');
    expect((await http(base, 'GET', `${jobs}/finished`)).body.status).toBe('completed');
    await screenshot(`${kind.name}-jobs-conflict`);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('with ?documents=hash sends the manifest hash of an operation instead of its text', async (ctx) => {
    needsBrowser(ctx);
    const sent = page.waitForRequest(
      (request) => request.url() === `${base}/graphql` && request.method() === 'POST',
    );
    await page.goto(`${site!.url}/?gateway=${encodeURIComponent(base)}&workspace=default&documents=hash`);
    const body = (await sent).postDataJSON();
    expect(body.query).toBeUndefined();
    expect(body.variables).toEqual({ workspace: 'default' });
    expect(manifest[body.extensions.persistedQuery.sha256Hash]).toMatch(/^query WorkspaceJobs\(/);
  });

  it('works against a gateway that runs trusted documents only, by hash over HTTP and graphql-ws', async (ctx) => {
    needsBrowser(ctx);
    // A gateway of its own (on PGlite, its own database too) refusing any document that is not in
    // the page's manifest; REST is not GraphQL, so the jobs are made and moved through it as usual.
    const strict = await startGateway({
      ...database.options,
      corsOrigins: [site!.url],
      executor: false,
      trustedDocuments: new TrustedDocuments('only', readManifest(MANIFEST_PATH)),
    });
    const strictJobs = `${JOBS}/workspaces/trusted/jobs`;
    const strictStep = (status: string) =>
      http(strict.url, 'PATCH', `${strictJobs}/strict/steps/step-a/status`, { status });
    try {
      expect((await http(strict.url, 'POST', strictJobs, jobWithSteps('strict'))).status).toBe(201);
      expect((await strictStep('active')).status).toBe(200);
      const at = (documents: string) =>
        `${site!.url}/?gateway=${encodeURIComponent(strict.url)}&workspace=trusted${documents}`;

      // Sent as text, the page's list is refused: nothing runs.
      await page.goto(at(''));
      await shows('#summary', /^Could not list the jobs/);

      await page.goto(at('&documents=hash'));
      await shows('tr[data-job="strict"] .status', 'ACTIVE');
      await page.locator('tr[data-job="strict"] button', { hasText: 'Pause' }).click();
      await shows('#result[data-kind="PauseJobSuccess"]', 'Pause requested: strict is PAUSING.');
      await shows('#live-status', 'PAUSING');
      expect((await strictStep('paused')).status).toBe(200);
      await shows('#live-events li', /^PAUSING → PAUSED at /);
      await screenshot(`${kind.name}-trusted-documents-only`);
    } finally {
      await strict.close();
    }
  }, 60_000);

  it('opens GraphiQL at /graphql and runs a query', async (ctx) => {
    needsBrowser(ctx);
    await page.goto(`${base}/graphql`);
    await page.locator('.graphiql-container').first().waitFor();
    // The default document lists the jobs of the default workspace.
    await page.locator('.graphiql-query-editor', { hasText: 'jobs(workspace: "default"' }).waitFor();
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response', { hasText: '"totalCount": 2' }).waitFor();
    await page.locator('.graphiql-response', { hasText: '"name": "train"' }).waitFor();
    await screenshot(`${kind.name}-graphiql`);
  }, 60_000);

  it('opens the REST reference at /docs', async (ctx) => {
    needsBrowser(ctx);
    await page.goto(`${base}/docs`);
    await shows('h1', 'NeMo Platform Jobs API v2 (gateway)');
    const pauseLink = page.locator('nav a', {
      hasText: 'POST /apis/jobs/v2/workspaces/{workspace}/jobs/{name}/pause',
    });
    await pauseLink.click();
    const anchor = decodeURIComponent(new URL(page.url()).hash.slice(1));
    expect(anchor).not.toBe('');
    expect(await page.locator(`[id="${anchor}"]`).isVisible()).toBe(true);
    await screenshot(`${kind.name}-docs`);
  }, 60_000);
});
