import { defineConfig } from '@playwright/test';
import path from 'node:path';
import os from 'node:os';
import { SERVER_LOG } from './tests/server-log';

// The release server, built by `make build`, on a fresh demo database of its own.
const port = Number(process.env.E2E_PORT ?? 3210);
const database = path.join(os.tmpdir(), 'releasedesk-e2e.db');
const serverBin = process.env.SERVER_BIN ?? path.join(os.homedir(), '.cache/releasedesk/target/release/releasedesk');

export default defineConfig({
  testDir: './tests',
  // The tests change the demo data as users would: one at a time, in file order.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // The list as it runs; at the end of a failed run, why each test failed (failures.ts).
  reporter: [['list'], ['./failures.ts']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'es-ES',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    // Its log, as JSON lines, goes to SERVER_LOG: a test finds there the line of a request whose
    // reference code the UI showed.
    command: `rm -f ${database} ${database}-wal ${database}-shm && exec '${serverBin}' serve --demo > '${SERVER_LOG}' 2>&1`,
    url: `http://127.0.0.1:${port}/login`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    env: {
      DATABASE_URL: database,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.resolve(__dirname, '../target/site'),
      LEPTOS_OUTPUT_NAME: 'releasedesk',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_ENV: 'PROD',
      // Warnings, and the line of every request answered with an error.
      RUST_LOG: 'warn,server::observe=info',
      LOG_FORMAT: 'json',
    },
  },
});
