// Support for the browser tests: real `orgraph serve` processes (debug binary, SQLite,
// HS256 secret from the environment), tokens, and Debian's chromium driven by
// playwright-core with every host but loopback unreachable.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { chromium } from 'playwright-core';

export const BIN = process.env.ORGRAPH_BIN ?? new URL('../../target/debug/orgraph', import.meta.url).pathname;
export const CHROMIUM = process.env.ORGRAPH_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS =
  process.env.ORGRAPH_BROWSER_ARTIFACTS ?? new URL('../../target/browser-artifacts', import.meta.url).pathname;
export const SECRET = 'browser-secret-browser-secret-0123456789';

const cleanups = [];
export const cleanup = async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
};

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function env(extra = {}) {
  const e = { ...process.env, ORGRAPH_JWT_SECRET: SECRET, ORGRAPH_DEV: '1', RUST_LOG: 'warn' };
  delete e.ORGRAPH_GRAPHIQL_ASSETS_URL;
  return Object.assign(e, extra);
}

/** Starts `orgraph serve` on a fresh SQLite file; `extra` adds environment variables. */
export async function serve(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'orgraph-browser-'));
  const port = await freePort();
  const child = spawn(BIN, ['serve'], {
    env: env({ DATABASE_URL: `sqlite://${dir}/o.db?mode=rwc`, ORGRAPH_LISTEN: `127.0.0.1:${port}`, ...extra }),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  cleanups.push(async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`orgraph serve exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, dir };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('orgraph serve did not become healthy');
}

/** A token minted by `orgraph token` with the server's secret. */
export const token = (sub) =>
  execFileSync(BIN, ['token', '--sub', sub, '--email', `${sub}@example.com`, '--name', sub, '--ttl', '1h'], {
    env: env(),
  })
    .toString()
    .trim();

/** An HS256 JWT signed here with the same secret, with any claims (e.g. an `exp` in the past). */
export function signJwt(claims) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

/** POST /graphql from node; fails the test on any GraphQL error. */
export async function gql(server, tok, query, variables = {}) {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Headless chromium with a fresh profile. Every host but loopback fails to resolve
 * (--host-resolver-rules) and any request to one is also aborted and recorded in
 * `offsite`, so a page that reaches for a CDN is caught either way.
 */
export async function browser() {
  const profile = mkdtempSync(join(tmpdir(), 'orgraph-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
  cleanups.push(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const offsite = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || LOOPBACK.has(url.hostname)) return route.fallback();
    offsite.push(url.href);
    return route.abort('blockedbyclient');
  });
  return { context, offsite };
}

/**
 * A new page that records uncaught errors, console errors and CSP violations;
 * `prepare(page)` runs before it navigates (to add routes).
 */
export async function open(context, url, prepare = async () => {}) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await prepare(page);
  await page.goto(url);
  return { page, problems };
}

/** Pastes `tok` into the token bar and presses "Use token" (the page reloads). */
export async function useToken(page, tok) {
  await page.fill('#token', tok);
  await Promise.all([page.waitForEvent('load'), page.click('#save')]);
  await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror');
}

/** Replaces the query editor's text and presses the execute button. */
export async function run(page, query) {
  await page.evaluate((q) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q), query);
  // GraphiQL parses the edited query (to tell a subscription from a query) after a short
  // debounce; pressing run before that would execute the previous document's kind.
  await new Promise((r) => setTimeout(r, 500));
  await page.click('.graphiql-execute-button');
}

/** Waits until the result pane's text satisfies `accept`; returns it. */
export async function result(page, accept, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = await page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '');
    if (accept(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`result pane never matched within ${timeout} ms; it shows: ${text}`);
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path });
  return path;
}
