/**
 * Vite builds the app into dist/web, which the api process serves at `/`. `npm run dev:web` runs
 * Vite's dev server with hot reload and proxies the API's paths to the running api (TAALMEL_API_URL,
 * default http://127.0.0.1:3000), so the session cookie stays same-origin.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

declare const process: { env: Record<string, string | undefined> };

const apiUrl = process.env.TAALMEL_API_URL ?? 'http://127.0.0.1:3000';
/** This folder, wherever Vite is started from (npm start runs it from the repository root). */
const here = decodeURIComponent(new URL('.', import.meta.url).pathname);
const proxied = ['/api', '/admin', '/healthz', '/readyz', '/r/'];

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  // The repository root holds React 18 for the admin console; libraries hoisted there must use the
  // app's React 19 (one copy), not that one.
  resolve: { dedupe: ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime'] },
  build: {
    outDir: `${here}../dist/web`,
    emptyOutDir: true,
    sourcemap: false,
    // The module-preload polyfill is an inline script in some setups; our CSP forbids inline scripts.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        // Libraries change less often than pages: their own long-cached chunks.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/ },
            { name: 'mantine', test: /node_modules[\\/]@mantine[\\/]/ },
            { name: 'query', test: /node_modules[\\/]@tanstack[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    port: Number(process.env.WEB_DEV_PORT ?? 5173),
    strictPort: true,
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: apiUrl, changeOrigin: false }])),
  },
});
