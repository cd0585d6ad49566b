// End-to-end: real `orgraph serve` processes and the real graphql-ws client.
// Run by .ci/run after `cargo build`: ORGRAPH_BIN points at the binary; with
// ORGRAPH_TEST_DATABASE_URL set, the cross-instance test runs on PostgreSQL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';

const BIN = process.env.ORGRAPH_BIN ?? new URL('../../target/debug/orgraph', import.meta.url).pathname;
const SECRET = 'e2e-secret-e2e-secret-e2e-secret-0123456789';
const children = [];
after(() => children.forEach((c) => c.kill('SIGTERM')));

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function env(databaseUrl, port) {
  const e = { ...process.env, DATABASE_URL: databaseUrl, ORGRAPH_JWT_SECRET: SECRET, RUST_LOG: 'warn' };
  if (port) e.ORGRAPH_LISTEN = `127.0.0.1:${port}`;
  return e;
}

async function serve(databaseUrl) {
  const port = await freePort();
  const child = spawn(BIN, ['serve'], { env: env(databaseUrl, port), stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, ws: `ws://127.0.0.1:${port}/graphql/ws`, child };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

const token = (databaseUrl, sub) =>
  execFileSync(BIN, ['token', '--sub', sub, '--email', `${sub}@example.com`, '--name', sub], { env: env(databaseUrl) })
    .toString()
    .trim();

async function gql(server, tok, query, variables = {}) {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

/** Subscribes to invitationReceived; returns { next(): Promise<invitation>, received, dispose }. */
function subscribe(server, tok) {
  const received = [];
  const waiters = [];
  const client = createClient({ url: server.ws, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${tok}` }, retryAttempts: 0 });
  const acked = new Promise((resolve) => client.on('connected', resolve));
  client.subscribe(
    { query: 'subscription { invitationReceived { id email status organization { slug } } }' },
    {
      next: ({ data }) => {
        received.push(data.invitationReceived);
        waiters.splice(0).forEach((w) => w());
      },
      error: () => {},
      complete: () => {},
    },
  );
  const next = (count, ms = 10000) =>
    new Promise((resolve, reject) => {
      const check = () => (received.length >= count ? resolve(received[count - 1]) : waiters.push(check));
      setTimeout(() => reject(new Error(`no invitation #${count} within ${ms} ms`)), ms);
      check();
    });
  return { acked, next, received, dispose: () => client.dispose() };
}

const INVITE = 'mutation($s: ID!, $e: String!) { inviteMember(input: { scopeId: $s, email: $e, role: "worker" }) { invitation { id } } }';

async function setup(server, databaseUrl) {
  const owner = token(databaseUrl, 'owner');
  const slug = `e2e${Math.floor(Math.random() * 1e6)}`;
  const d = await gql(server, owner, 'mutation($s: String!) { createOrganization(input: { slug: $s }) { organization { id } } }', { s: slug });
  return { owner, org: d.createOrganization.organization.id, slug };
}

test('a subscriber receives its own invitations and never anyone else\'s (one instance, SQLite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orgraph-e2e-'));
  const db = `sqlite://${dir}/o.db?mode=rwc`;
  const server = await serve(db);
  const { owner, org, slug } = await setup(server, db);
  const bob = subscribe(server, token(db, 'bob'));
  const carol = subscribe(server, token(db, 'carol'));
  await Promise.all([bob.acked, carol.acked]);
  await new Promise((r) => setTimeout(r, 200));
  const sent = await gql(server, owner, INVITE, { s: org, e: 'bob@example.com' });
  const got = await bob.next(1);
  assert.equal(got.id, sent.inviteMember.invitation.id);
  assert.equal(got.email, 'bob@example.com');
  assert.equal(got.organization.slug, slug);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(carol.received.length, 0, 'carol must not receive bob\'s invitation');
  bob.dispose();
  carol.dispose();
});

test('a wrong or absent token is refused with close code 4403', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orgraph-e2e-'));
  const server = await serve(`sqlite://${dir}/o.db?mode=rwc`);
  for (const connectionParams of [{ Authorization: 'Bearer not-a-token' }, {}]) {
    const code = await new Promise((resolve) => {
      const client = createClient({ url: server.ws, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false, on: { closed: (e) => resolve(e.code) } });
      client.subscribe({ query: 'subscription { invitationReceived { id } }' }, { next() {}, error() {}, complete() {} });
    });
    assert.equal(code, 4403);
  }
});

test('an invitation created on instance A reaches a subscriber on instance B (PostgreSQL)', { skip: !process.env.ORGRAPH_TEST_DATABASE_URL && 'ORGRAPH_TEST_DATABASE_URL not set' }, async () => {
  const admin = process.env.ORGRAPH_TEST_DATABASE_URL;
  const name = `e2e${Date.now()}`;
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
  const db = admin.replace(/\/[^/]*$/, `/${name}`);
  const a = await serve(db);
  const b = await serve(db);
  const { owner, org } = await setup(a, db);
  const erin = subscribe(b, token(db, 'erin'));
  const frank = subscribe(b, token(db, 'frank'));
  await Promise.all([erin.acked, frank.acked]);
  await new Promise((r) => setTimeout(r, 300));
  const latencies = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    const sent = await gql(a, owner, INVITE, { s: org, e: 'erin@example.com' });
    const got = await erin.next(i + 1);
    latencies.push(performance.now() - start);
    assert.equal(got.id, sent.inviteMember.invitation.id);
    await gql(a, owner, 'mutation($i: ID!) { revokeInvitation(input: { invitationId: $i }) { invitation { id } } }', { i: got.id });
  }
  latencies.sort((x, y) => x - y);
  console.log(`cross-instance delivery via graphql-ws: median ${latencies[10].toFixed(1)} ms, worst ${latencies[19].toFixed(1)} ms`);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(frank.received.length, 0);
  erin.dispose();
  frank.dispose();
});
