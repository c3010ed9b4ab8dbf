// Builds the four pages into web/dist as static files the daemon serves:
//   instructor-sessions.html, join.html, my-courses.html, attendance.html and /assets/*.
// The Meeting SDK's run-time assets (lib/av, lib/lang, lib/image, ...) are copied to
// dist/assets/zoom-sdk/<version>/lib so nothing is fetched from Zoom's CDN.
// VITE_FAKE_SDK=1 (tests only) swaps '@zoom/meetingsdk/embedded' for
// test-support/fake-embedded.ts, which records init/join on window.__fakeZoom.
import { defineConfig, type Plugin } from 'vite';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = import.meta.dirname;
const sdkDir = resolve(root, 'node_modules/@zoom/meetingsdk');
const sdkVersion = (JSON.parse(readFileSync(resolve(sdkDir, 'package.json'), 'utf8')) as { version: string }).version;
const fakeSdk = process.env.VITE_FAKE_SDK === '1';

function copySdkAssets(outDir: string): Plugin {
  return {
    name: 'zoomctl-copy-zoom-sdk-assets',
    apply: 'build',
    closeBundle() {
      if (fakeSdk) return;
      const from = resolve(sdkDir, 'dist/lib');
      const to = resolve(root, outDir, 'assets/zoom-sdk', sdkVersion, 'lib');
      if (!existsSync(from)) throw new Error(`Meeting SDK assets not found at ${from}`);
      cpSync(from, to, { recursive: true });
    },
  };
}

const outDir = process.env.ZOOMCTL_WEB_OUT ?? (fakeSdk ? 'dist-test' : 'dist');

export default defineConfig({
  root,
  base: '/',
  define: {
    __ZOOM_SDK_VERSION__: JSON.stringify(sdkVersion),
    __ZOOMCTL_FAKE_SDK__: JSON.stringify(fakeSdk),
  },
  oxc: { jsx: { runtime: 'automatic' } },
  resolve: {
    alias: fakeSdk ? { '@zoom/meetingsdk/embedded': resolve(root, 'test-support/fake-embedded.ts') } : {},
  },
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      // The SDK bundle makes one plugin slow; the timing report is noise in the test log.
      checks: { bundlerTimings: false },
      input: {
        'instructor-sessions': resolve(root, 'instructor-sessions.html'),
        join: resolve(root, 'join.html'),
        'my-courses': resolve(root, 'my-courses.html'),
        attendance: resolve(root, 'attendance.html'),
      },
    },
  },
  plugins: [copySdkAssets(outDir)],
});
