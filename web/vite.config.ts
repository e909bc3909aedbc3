import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console imports only enums and types from @roost/core; bundle them from source so the
// web build does not depend on the order of the TypeScript project build.
const coreSource = fileURLToPath(new URL('../packages/core/src/index.ts', import.meta.url));

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@roost/core': coreSource } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    // vendor chunks change less often than the console: browsers keep them across releases
    rolldownOptions: {
      output: {
        codeSplitting: {
          // a group takes only the modules its test names, not what they import
          includeDependenciesRecursively: false,
          groups: [
            {
              name: 'charts',
              test: /node_modules[\\/](recharts|d3-[a-z-]+|victory-vendor|decimal\.js-light|internmap|@reduxjs|react-redux|reselect)[\\/]/,
              priority: 40,
            },
            // loaded only by the TOTP enrolment screen
            { name: 'qrcode', test: /node_modules[\\/](qrcode|dijkstrajs)[\\/]/, priority: 35 },
            { name: 'mui', test: /node_modules[\\/](@mui|@emotion)[\\/]/, priority: 30 },
            {
              name: 'react-admin',
              test: /node_modules[\\/](ra-|react-admin|react-hook-form|@tanstack)/,
              priority: 20,
            },
            { name: 'vendor', test: /node_modules[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    // `npm run dev -w web` next to `npm start`: the API answers /api on the same origin.
    proxy: {
      '/api': process.env.ROOST_API_URL ?? 'http://127.0.0.1:8080',
      '/health': process.env.ROOST_API_URL ?? 'http://127.0.0.1:8080',
    },
  },
});
