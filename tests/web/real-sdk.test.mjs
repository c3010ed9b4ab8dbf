// The production build with the REAL @zoom/meetingsdk (web/dist), in headless Chromium with
// every request outside our origin blocked: the SDK loads and initialises from our
// /assets/zoom-sdk/<version>/ (nothing from source.zoom.us or its CDNs), takes our
// Arabic dictionary, and calls join; the join itself needs Zoom, which is unreachable
// here, so the page must show the SDK's error as a plain message with Retry.
// Served by the mock API (what is under test is the SDK bundle and its assets).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createMockServer } from './mock-server.mjs';
import { launchBrowser, screenshot, WEB_DIR } from './harness.mjs';

let server;
let url;
let browser;

before(async () => {
  const mock = createMockServer({ distDir: join(WEB_DIR, 'dist') });
  mock.state.sessions.find((s) => s.id === 11).status = 'IN_PROGRESS';
  server = mock.server;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections?.();
  await new Promise((r) => server.close(r));
});

test('real SDK: assets from our origin only, init + Arabic + join attempted, Zoom unreachable shown with Retry', async () => {
  const page = await browser.context.newPage();
  const outside = [];
  const failedLocal = [];
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(url) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    outside.push(u);
    return route.abort();
  });
  page.on('response', (r) => r.status() >= 400 && failedLocal.push(`${r.status()} ${r.url()}`));
  await page.goto(`${url}/session/11/join?token=tok-2`); // Omar: lang ar
  const err = page.getByTestId('join-error');
  await err.waitFor({ timeout: 60_000 });
  const timing = await page.evaluate(() => window.__zoomctlJoinTiming);
  console.log(
    `# real SDK page-load -> client.join: clickToJoinCallMs=${timing.clickToJoinCallMs} ` +
      `(signature at ${timing.signatureMs} ms, SDK loaded+initialised at ${timing.sdkReadyMs} ms)`,
  );
  assert.ok(timing.clickToJoinCallMs > 0);
  const cdn = outside.filter((u) => !/^https:\/\/([a-z0-9-]+\.)?zoom\.us\/(api|wc)\//.test(u));
  assert.deepEqual(cdn, [], 'no asset fetched from outside our origin');
  assert.ok(outside.length >= 1, 'join tried to reach Zoom');
  assert.deepEqual(failedLocal, [], 'every SDK asset it asked us for exists');
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  assert.match(await err.innerText(), /Zoom|الانضمام/);
  await page.getByTestId('join-retry').waitFor();
  await screenshot(page, 'join-real-sdk-unreachable-ar');
  await page.close();
});
