// Browser tests for the pages of issue 6, in Debian's headless Chromium (playwright-core).
// The SDK is the recording fake of the test build (web/dist-test, VITE_FAKE_SDK=1); the
// backend is the real zoomctld + zoomsim when ZOOMCTLD_BIN/ZOOMSIM_BIN/ZOOMCTL_BIN are
// set, else tests/web/mock-server.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, min, openPage, screenshot, startBackend, WEB_DIR } from './harness.mjs';

const SDK_VERSION = JSON.parse(readFileSync(join(WEB_DIR, 'node_modules/@zoom/meetingsdk/package.json'), 'utf8')).version;
const ZOOM_AR = JSON.parse(readFileSync(join(WEB_DIR, 'src/i18n/zoom-ar.json'), 'utf8'));

let backend;
let browser;
const timings = [];

before(async () => {
  backend = await startBackend();
  browser = await launchBrowser();
  console.log(`# backend: ${backend.kind} at ${backend.url}`);
});

after(async () => {
  await browser?.close();
  await backend?.stop();
  for (const t of timings) console.log(`# join timing (${t.label}): clickToJoinCallMs=${t.clickToJoinCallMs} from=${t.from}`);
});

const card = (page, id) => page.locator(`li.card[data-session-id="${id}"]`);
const fake = (page) => page.evaluate(() => window.__fakeZoom ?? null);

async function waitJoins(page, n = 1) {
  await page.waitForFunction((k) => (window.__fakeZoom?.joins.length ?? 0) >= k, n, { timeout: 20_000 });
  return fake(page);
}

describe('access links', () => {
  test('?token= moves into sessionStorage, leaves the address bar, and is sent as a bearer token', async () => {
    const page = await browser.context.newPage();
    const auth = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/')) auth.push(r.headers().authorization);
    });
    await page.goto(`${backend.url}/my-courses?token=${encodeURIComponent(backend.tokens.learner2)}&lang=en`);
    await page.locator('h1').first().waitFor();
    assert.ok(!page.url().includes('token='), `token still in ${page.url()}`);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('zoomctl.token')), backend.tokens.learner2);
    assert.ok(auth.length >= 2 && auth.every((h) => h === `Bearer ${backend.tokens.learner2}`), JSON.stringify(auth));
    await page.close();
  });

  test('an invalid or expired link shows the ask-for-a-new-link page (401)', async () => {
    const page = await openPage(browser, backend, '/instructor/sessions', { token: 'not-a-valid-token' });
    const err = page.locator('[data-error="expired"]');
    await err.waitFor();
    assert.match(await err.innerText(), /expired or is invalid[\s\S]*zoomctl link/);
    await screenshot(page, 'expired-link-en');
    await page.close();
  });
});

describe('instructor sessions (US-009)', () => {
  test('Start Session is enabled only from 15 minutes before the start, following the server clock without reload', async () => {
    const page = await openPage(browser, backend, '/instructor/sessions', { token: backend.tokens.instructor, query: 'lang=en' });
    const soon = card(page, backend.sessions.soon);
    const later = card(page, backend.sessions.later);
    await soon.waitFor();
    assert.equal(await soon.getByTestId('start-session').isEnabled(), true, 'session starting in 10 min');
    assert.equal(await later.getByTestId('start-session').isEnabled(), false, 'session starting in 20 min');
    assert.match(await later.getByTestId('start-reason').innerText(), /Opens in 5:0\d|Opens in 4:5\d/);
    const describedBy = await later.getByTestId('start-session').getAttribute('aria-describedby');
    assert.ok(describedBy, 'disabled button points at its reason');
    // The completed class ended less than an hour ago: it can be started again (ended by mistake).
    const again = card(page, backend.sessions.completed).getByTestId('start-session');
    assert.equal(await again.isEnabled(), true, 'a class ended within the hour can be started again');
    assert.match(await again.innerText(), /Start again/);
    await screenshot(page, 'instructor-sessions-en');

    // Server clock moves to 14 minutes before the later session: the page follows on its next poll.
    const before = backend.now;
    await backend.setNow(min(6, before));
    await page.waitForFunction(
      (id) => !document.querySelector(`li.card[data-session-id="${id}"] [data-testid="start-session"]`)?.disabled,
      backend.sessions.later,
      { timeout: 25_000 },
    );
    await backend.setNow(before);
    await page.close();
  });

  test('Start Session opens the embedded meeting as host: role 1 signature, zak, our name/email/customer key', async () => {
    const page = await openPage(browser, backend, '/instructor/sessions', { token: backend.tokens.instructor, query: 'lang=en' });
    const btn = card(page, backend.sessions.soon).getByTestId('start-session');
    await btn.waitFor();
    const sigResponse = page.waitForResponse((r) => r.url().endsWith('/api/signature'));
    await btn.click();
    await page.waitForURL(/\/session\/\d+\/join\?role=host$/);
    const sigReq = (await sigResponse).request();
    assert.equal(JSON.parse(sigReq.postData()).role, 1);
    const sig = await (await sigResponse).json();
    const f = await waitJoins(page);
    const init = f.inits[0];
    const join = f.joins[0];
    assert.equal(init.assetPath, `${backend.url}/assets/zoom-sdk/${SDK_VERSION}/lib/av`);
    assert.equal(init.language, 'en-US');
    assert.equal(join.signature, sig.signature);
    assert.ok(sig.signature.length > 20);
    assert.equal(join.meetingNumber, String(sig.meetingNumber));
    assert.equal(join.customerKey, String(backend.users.instructor.id));
    assert.equal(join.userName, backend.users.instructor.name);
    assert.equal(join.userEmail, backend.users.instructor.email);
    assert.ok(join.zak, 'host joins with a ZAK');
    assert.equal(join.zak, sig.zak);
    const timing = await page.evaluate(() => window.__zoomctlJoinTiming);
    assert.equal(timing.from, 'click');
    timings.push({ label: 'instructor Start Session click -> client.join', ...timing });
    assert.ok(browser.consoleLines.some((l) => l.includes('join timing clickToJoinCallMs=')));
    await page.getByTestId('join-status').filter({ hasText: 'You are in the meeting.' }).waitFor();
    await screenshot(page, 'join-host-en');
    await page.close();
  });
});

describe('my courses (US-011) and joining (US-010)', () => {
  test('Join Session is enabled only while IN_PROGRESS and follows status changes without reload', async () => {
    const page = await browser.context.newPage();
    const bodies = [];
    page.on('response', async (r) => {
      if (r.url().includes('/api/')) bodies.push(`${r.url()} ${await r.text().catch(() => '')}`);
    });
    await page.goto(`${backend.url}/my-courses?token=${encodeURIComponent(backend.tokens.learner2)}&lang=en`);
    const c = card(page, backend.sessions.soon);
    await c.waitFor();
    const btn = c.getByTestId('join-session');
    assert.equal(await btn.isEnabled(), false);
    assert.match(await c.getByTestId('join-reason').innerText(), /Waiting for the instructor/);
    assert.equal(await card(page, backend.sessions.otherCohort).count(), 0, "another cohort's session is not listed");
    await screenshot(page, 'my-courses-en');
    await backend.setStatus(backend.sessions.soon, 'IN_PROGRESS');
    await page.waitForFunction(
      (id) => document.querySelector(`li.card[data-session-id="${id}"]`)?.dataset.status === 'IN_PROGRESS',
      backend.sessions.soon,
      { timeout: 20_000 },
    );
    assert.equal(await btn.isEnabled(), true);
    await screenshot(page, 'my-courses-live-en');
    await btn.click();
    await page.waitForURL(/\/session\/\d+\/join$/);
    const f = await waitJoins(page);
    const join = f.joins[0];
    assert.equal(join.customerKey, String(backend.users.learner2.id));
    assert.equal(join.userEmail, backend.users.learner2.email);
    assert.equal(join.zak, undefined, 'a participant gets no ZAK');
    await page.waitForTimeout(200);
    assert.ok(bodies.some((b) => b.includes('/api/signature')), 'saw the signature answer');
    for (const b of bodies) {
      assert.ok(!/start_url|zoom_start_url|"zak"|\/s\/\d+\?zak=/i.test(b), `no start URL or ZAK reaches a learner: ${b.slice(0, 300)}`);
    }
    assert.equal(f.translations['en-US'].toolbar_leave, 'Leave', 'English user: SDK stays English');
    const timing = await page.evaluate(() => window.__zoomctlJoinTiming);
    timings.push({ label: 'learner Join Session click -> client.join', ...timing });
    await page.close();
  });

  test('Arabic: page in Arabic and RTL, the SDK gets our Arabic dictionary merged into en-US', async () => {
    await backend.setStatus(backend.sessions.soon, 'IN_PROGRESS');
    // This learner's /api/me lang is "ar"; no ?lang= needed.
    const page = await openPage(browser, backend, `/session/${backend.sessions.soon}/join`, { token: backend.tokens.learner });
    const f = await waitJoins(page);
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
    const dict = f.translations['en-US'];
    assert.equal(dict.toolbar_leave, ZOOM_AR.toolbar_leave);
    assert.equal(dict.toolbar_leave, 'مغادرة');
    assert.equal(dict.wc_participants, ZOOM_AR.wc_participants);
    assert.equal(f.translationUpdates.length, 1);
    assert.equal(f.translationUpdates[0].lng, 'en-US');
    assert.ok(f.translationUpdates[0].keys >= Object.keys(ZOOM_AR).length);
    assert.equal(f.joins[0].customerKey, String(backend.users.learner.id));
    await page.getByTestId('join-status').filter({ hasText: 'أنت الآن في الاجتماع.' }).waitFor();
    const timing = await page.evaluate(() => window.__zoomctlJoinTiming);
    timings.push({ label: 'learner page-load -> client.join', ...timing });
    await screenshot(page, 'join-learner-ar');
    await page.close();
  });

  test('a learner opening a session that has not started is told so (409), with Retry', async () => {
    const page = await openPage(browser, backend, `/session/${backend.sessions.later}/join`, {
      token: backend.tokens.learner2,
      query: 'lang=en',
    });
    const err = page.locator('[data-error="conflict"]');
    await err.waitFor();
    assert.match(await err.innerText(), /cannot be joined right now/);
    assert.equal((await fake(page))?.joins.length ?? 0, 0);
    await page.close();
  });

  test('a learner asking for the host role is refused (403 shown as a message, no join)', async () => {
    const page = await openPage(browser, backend, `/session/${backend.sessions.soon}/join`, {
      token: backend.tokens.learner2,
      query: 'role=host&lang=en',
    });
    const err = page.getByTestId('join-error');
    await err.waitFor();
    assert.match(await err.innerText(), /Only the instructor of this session can start it/);
    assert.equal((await fake(page))?.joins.length ?? 0, 0);
    await screenshot(page, 'join-host-denied-en');
    await page.close();
  });

  test("another cohort's session is refused (403 shown as a message)", async () => {
    const page = await openPage(browser, backend, `/session/${backend.sessions.otherCohort}/join`, {
      token: backend.tokens.learner2,
      query: 'lang=en',
    });
    const err = page.locator('[data-error="forbidden"]').first();
    await err.waitFor();
    assert.match(await err.innerText(), /may not see this/);
    assert.equal((await fake(page))?.joins.length ?? 0, 0);
    await page.close();
  });

  test('an SDK error (3008 meeting not started) shows a plain message, and Retry joins', async () => {
    const page = await openPage(browser, backend, `/session/${backend.sessions.soon}/join`, {
      token: backend.tokens.learner2,
      query: 'lang=en',
      init: () => {
        window.__fakeZoomConfig = { joinError: { errorCode: 3008, reason: 'Meeting has not started' }, failTimes: 1 };
      },
    });
    const err = page.getByTestId('join-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-code'), '3008');
    assert.match(await err.innerText(), /has not started yet/);
    await screenshot(page, 'join-error-3008-en');
    const sigCalls = [];
    page.on('request', (r) => r.url().endsWith('/api/signature') && sigCalls.push(r));
    await page.getByTestId('join-retry').click();
    await waitJoins(page, 2);
    await page.getByTestId('join-status').filter({ hasText: 'You are in the meeting.' }).waitFor();
    assert.equal(sigCalls.length, 1, 'Retry fetches a fresh signature');
    await page.close();
  });

  test('the full-screen toggle resizes the SDK video to the screen and back', async () => {
    const page = await openPage(browser, backend, `/session/${backend.sessions.soon}/join`, {
      token: backend.tokens.learner2,
      query: 'lang=en',
    });
    await waitJoins(page);
    const initSize = (await fake(page)).inits[0].customize.video.viewSizes.default;
    assert.ok(initSize.width > 600 && initSize.height > 300, JSON.stringify(initSize));
    await page.getByTestId('fullscreen-toggle').click();
    await page.waitForFunction(() => document.fullscreenElement !== null);
    await page.waitForFunction(() => {
      const v = window.__fakeZoom.videoOptions.at(-1)?.viewSizes?.default;
      return v && v.width >= window.screen.width - 40 && v.height > 500;
    });
    assert.equal(await page.getByTestId('fullscreen-toggle').getAttribute('aria-pressed'), 'true');
    await page.getByTestId('fullscreen-toggle').click();
    await page.waitForFunction(() => document.fullscreenElement === null);
    await page.waitForFunction(
      (w) => window.__fakeZoom.videoOptions.at(-1)?.viewSizes?.default?.width === w,
      initSize.width,
    );
    await backend.setStatus(backend.sessions.soon, 'SCHEDULED');
    await page.close();
  });
});

describe('attendance (US-017, US-018)', () => {
  test('report, override with a required reason (audit log written), who/when shown', async () => {
    const page = await openPage(browser, backend, `/instructor/sessions/${backend.sessions.completed}/attendance`, {
      token: backend.tokens.instructor,
      query: 'lang=en',
    });
    const table = page.getByTestId('attendance-table');
    await table.waitFor();
    await screenshot(page, 'attendance-en');
    const row = page.locator(`tr[data-user-id="${backend.users.learner2.id}"]`);
    assert.equal(await row.getAttribute('data-present'), '0', 'Lina attended too little to be present');
    await row.getByTestId('override-toggle').click();
    const dialog = page.getByTestId('override-dialog');
    await dialog.waitFor();
    await page.getByTestId('override-save').click();
    await dialog.getByRole('alert').filter({ hasText: 'Enter a reason.' }).waitFor();
    await screenshot(page, 'attendance-override-dialog-en');
    await page.getByTestId('override-reason').fill('Joined by phone from the lab, Zoom missed it');
    await page.getByTestId('override-save').click();
    await page.getByTestId('notice').waitFor();
    await page.waitForFunction((id) => document.querySelector(`tr[data-user-id="${id}"]`)?.dataset.present === '1', backend.users.learner2.id);
    const info = await row.getByTestId('override-info').innerText();
    assert.match(info, /set Present on .*Joined by phone from the lab/);
    const audit = await backend.auditRows();
    const entry = audit.find(
      (a) =>
        /overrid|attendance/i.test(`${a.action} ${a.entity}`) &&
        (String(a.after_json ?? '').includes('Joined by phone from the lab') ||
          String(a.entity_id ?? '').includes(String(backend.users.learner2.id))),
    );
    assert.ok(entry, `audit log entry for the override, got ${JSON.stringify(audit)}`);
    assert.ok(String(entry.actor).length > 0);
    const overrides = await backend.overrideRows();
    assert.ok(
      overrides.some((o) => o.reason === 'Joined by phone from the lab, Zoom missed it' && Boolean(o.present)),
      JSON.stringify(overrides),
    );
    const total = await page.getByTestId('total-percent').innerText();
    assert.match(total, /100/);
    await screenshot(page, 'attendance-overridden-en');
    await page.close();
  });

  test('Export CSV downloads the report with the bearer token', async () => {
    const page = await openPage(browser, backend, `/instructor/sessions/${backend.sessions.completed}/attendance`, {
      token: backend.tokens.instructor,
      query: 'lang=en',
    });
    await page.getByTestId('attendance-table').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const file = join(browser.downloads, download.suggestedFilename());
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    assert.match(download.suggestedFilename(), /\.csv$/);
    assert.match(text.split(/\r?\n/)[0], /email/i);
    assert.ok(text.includes(backend.users.learner.email) && text.includes(backend.users.learner2.email), text);
    await page.close();
  });

  test('a learner may not see the attendance report (403)', async () => {
    const page = await openPage(browser, backend, `/instructor/sessions/${backend.sessions.completed}/attendance`, {
      token: backend.tokens.learner,
    });
    await page.locator('[data-error="forbidden"]').waitFor();
    await page.close();
  });
});

describe('screenshots, English and Arabic', () => {
  for (const lang of ['en', 'ar']) {
    test(`every page renders in ${lang} (${lang === 'ar' ? 'rtl' : 'ltr'})`, async () => {
      await backend.setStatus(backend.sessions.soon, 'IN_PROGRESS');
      const pages = [
        ['instructor-sessions', '/instructor/sessions', backend.tokens.instructor, 'li.card'],
        ['my-courses', '/my-courses', backend.tokens.learner2, 'li.card'],
        ['attendance', `/instructor/sessions/${backend.sessions.completed}/attendance`, backend.tokens.instructor, 'table'],
        ['join', `/session/${backend.sessions.soon}/join`, backend.tokens.learner2, '[data-fake="toolbar"]'],
      ];
      for (const [name, path, token, ready] of pages) {
        const page = await openPage(browser, backend, path, { token, query: `lang=${lang}` });
        await page.locator(ready).first().waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.dir), lang === 'ar' ? 'rtl' : 'ltr');
        if (name === 'join') await waitJoins(page);
        await page.waitForTimeout(150);
        await screenshot(page, `${name}-${lang}`);
        assert.deepEqual(page.pageErrors, [], `${name}: no page errors`);
        await page.close();
      }
    });
  }
});
