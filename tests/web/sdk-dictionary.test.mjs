// The Arabic dictionary for the SDK uses keys the installed SDK's component view really has
// (its en-US resource bundle inside the embedded bundle), and the build ships the SDK assets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DIR } from './harness.mjs';

const sdk = join(WEB_DIR, 'node_modules/@zoom/meetingsdk');
const version = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8')).version;
const ar = JSON.parse(readFileSync(join(WEB_DIR, 'src/i18n/zoom-ar.json'), 'utf8'));

test('@zoom/meetingsdk is pinned to an exact 6.x version in web/package.json', () => {
  const pkg = JSON.parse(readFileSync(join(WEB_DIR, 'package.json'), 'utf8'));
  assert.match(pkg.dependencies['@zoom/meetingsdk'], /^6\.\d+\.\d+$/);
  assert.equal(pkg.dependencies['@zoom/meetingsdk'], version);
});

test('every key of zoom-ar.json exists in the SDK component view en-US dictionary', () => {
  const bundle = readFileSync(join(sdk, 'dist/zoomus-websdk-embedded.umd.min.js'), 'utf8');
  const start = bundle.indexOf('toolbar_leave:"Leave"');
  assert.ok(start > 0, 'en-US dictionary found in the embedded bundle');
  const missing = Object.keys(ar).filter((k) => {
    const bare = /^[A-Za-z_$][\w$]*$/.test(k) ? `${k}:"` : `"${k}":"`;
    return !bundle.includes(bare);
  });
  assert.deepEqual(missing, []);
  assert.ok(Object.keys(ar).length >= 100);
  for (const area of ['toolbar_', 'wc_audio', 'wc_video', 'wc_participants', 'wc_chat', 'wc_waiting_room', 'wc_leave_meeting', 'errorcodes_']) {
    assert.ok(Object.keys(ar).some((k) => k.startsWith(area)), `covers ${area}`);
  }
  for (const [k, v] of Object.entries(ar)) assert.match(v, /[\u0600-\u06FF]/, `${k} is Arabic`);
});

test('the production build ships the SDK assets under /assets/zoom-sdk/<version>/ and no CDN URL in our code', () => {
  const dist = join(WEB_DIR, 'dist');
  const lib = join(dist, 'assets/zoom-sdk', version, 'lib');
  for (const d of ['av', 'lang', 'image', 'audio']) assert.ok(existsSync(join(lib, d)), `${d} copied`);
  assert.ok(existsSync(join(lib, 'av/js_media.min.js')));
  for (const f of ['instructor-sessions.html', 'join.html', 'my-courses.html', 'attendance.html']) {
    assert.ok(existsSync(join(dist, f)), f);
  }
  const ours = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') && !f.startsWith('embedded'));
  for (const f of ours) {
    const text = readFileSync(join(dist, 'assets', f), 'utf8');
    assert.ok(!text.includes('source.zoom.us'), `${f} has no CDN URL`);
  }
  const join_ = readdirSync(join(dist, 'assets')).find((f) => /^join-.*\.js$/.test(f));
  assert.ok(readFileSync(join(dist, 'assets', join_), 'utf8').includes(`/assets/zoom-sdk/${version}/lib/av`));
});
