import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue2';

const API = process.env.VITE_API_TARGET || 'http://127.0.0.1:5000';
// '^/thread(/|$)' and not '/thread': a prefix would also swallow the dashboard's own URLs.
const proxied = ['^/api(/|$)', '^/thread(/|$)', '^/health$', '^/ready$'];

export default defineConfig({
  plugins: [vue()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: API, changeOrigin: false }])),
  },
  build: {
    // The CSP forbids inline scripts: no inlined module preload polyfill, no inline assets but small images.
    modulePreload: { polyfill: false },
    sourcemap: false,
    manifest: true,
    target: 'es2019',
    rollupOptions: {
      onwarn(warning, warn) {
        // bootstrap-vue's ESM entry carries /*#__PURE__*/ annotations rollup cannot place (harmless).
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
});
