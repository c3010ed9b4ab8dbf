// Shared helpers for the browser tests: the backend (the real zoomctld + zoomsim when
// ZOOMCTLD_BIN, ZOOMSIM_BIN and ZOOMCTL_BIN are set, else the Node mock server), and
// Debian's headless Chromium through playwright-core.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { BASE_NOW, createMockServer } from './mock-server.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
export const SOURCE_DIR = process.env.ZOOMCTL_SOURCE_DIR ?? resolve(here, '../..');
export const WEB_DIR = join(SOURCE_DIR, 'web');
/** The test build (VITE_FAKE_SDK=1): the SDK is the recording fake. */
export const TEST_DIST = process.env.ZOOMCTL_WEB_TEST_DIST ?? join(WEB_DIR, 'dist-test');
export const ARTIFACTS = join(SOURCE_DIR, 'tests/artifacts/web');
mkdirSync(ARTIFACTS, { recursive: true });

const require = createRequire(join(WEB_DIR, 'package.json'));
const { chromium } = require('playwright-core');

export const useRealDaemon = Boolean(process.env.ZOOMCTLD_BIN && process.env.ZOOMSIM_BIN && process.env.ZOOMCTL_BIN);

export const min = (n, base = BASE_NOW) => new Date(Date.parse(base) + n * 60_000).toISOString().replace('.000Z', 'Z');

/** The mock backend, with the same interface as realdaemon.mjs's. */
async function startMock() {
  const { server, state } = createMockServer({ distDir: TEST_DIST });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  const post = (path, body) =>
    fetch(url + path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  return {
    kind: 'mock',
    url,
    now: BASE_NOW,
    tokens: { instructor: 'tok-1', learner: 'tok-2', learner2: 'tok-3', otherLearner: 'tok-4' },
    users: {
      instructor: { id: 1, name: 'Hala Haddad', email: 'hala@example.org' },
      learner: { id: 2, name: 'Omar Nasser', email: 'omar@example.org' },
      learner2: { id: 3, name: 'Lina Saleh', email: 'lina@example.org' },
    },
    sessions: { soon: 11, later: 12, completed: 13, otherCohort: 14 },
    async setNow(iso) {
      this.now = iso;
      await post('/__mock/now', { now: iso });
    },
    async setStatus(id, status) {
      await post(`/__mock/sessions/${id}`, { status });
    },
    async auditRows() {
      const s = await (await fetch(url + '/__mock/state')).json();
      return s.audit;
    },
    async overrideRows() {
      const s = await (await fetch(url + '/__mock/state')).json();
      return s.overrides;
    },
    async stop() {
      await new Promise((r) => server.close(r));
      server.closeAllConnections?.();
    },
  };
}

export async function startBackend() {
  if (useRealDaemon) {
    const { startReal } = await import('./realdaemon.mjs');
    return startReal({ distDir: TEST_DIST });
  }
  return startMock();
}

/** Debian's Chromium, headless, on a fresh profile; downloads go to `downloads`. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'zoomctl-web-profile-'));
  const downloads = mkdtempSync(join(tmpdir(), 'zoomctl-web-downloads-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    downloadsPath: downloads,
    viewport: { width: 1280, height: 860 },
    timezoneId: 'UTC',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const consoleLines = [];
  context.on('console', (m) => consoleLines.push(m.text()));
  return {
    context,
    downloads,
    consoleLines,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}

/** Opens `path` with the access token (and extra query) in a fresh tab. */
export async function openPage(browser, backend, path, { token, query = '', init } = {}) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.pageErrors = errors;
  if (init) await page.addInitScript(init);
  const sep = path.includes('?') ? '&' : '?';
  const q = [token ? `token=${encodeURIComponent(token)}` : '', query].filter(Boolean).join('&');
  await page.goto(backend.url + path + (q ? sep + q : ''));
  return page;
}

export async function screenshot(page, name) {
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
