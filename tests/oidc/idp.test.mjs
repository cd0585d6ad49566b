// End-to-end: a real OpenID provider (the npm `oidc-provider`, as certified by the
// OpenID Foundation) issues JWT access tokens with the client-credentials grant and a
// resource indicator; a real `orgraph serve` accepts them through the provider's JWKS
// (found by discovery), with namespaced e-mail and name claims. Then the provider
// rotates its signing key (RS256 → another RS256 key → an ES256 key) without orgraph
// restarting; tokens signed by a key the provider never published are refused (401),
// also while the provider is down. Run by .ci/run after `cargo build`; ORGRAPH_BIN
// points at the binary.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import Provider from 'oidc-provider';
import { SignJWT } from 'jose';

const BIN = process.env.ORGRAPH_BIN ?? new URL('../../target/debug/orgraph', import.meta.url).pathname;
const AUDIENCE = 'https://api.orgraph.example';
const NS = 'https://orgraph.example/';
const CLIENTS = [
  { client_id: 'robot-1', client_secret: 'robot-1-secret-robot-1-secret' },
  { client_id: 'robot-2', client_secret: 'robot-2-secret-robot-2-secret' },
];
const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A private signing key as a JWK with its kid. */
function signingKey(kid, kind) {
  const { privateKey } =
    kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { jwk: { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: kind === 'ec' ? 'ES256' : 'RS256' }, privateKey };
}

/** The provider on `port`, signing access tokens with the first key of `keys` for `alg`. */
class Idp {
  constructor(port) {
    this.port = port;
    this.issuer = `http://127.0.0.1:${port}`;
  }
  async start(keys, alg) {
    const provider = new Provider(this.issuer, {
      jwks: { keys: keys.map((k) => k.jwk) },
      clients: CLIENTS.map((c) => ({
        ...c,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
      })),
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            assert.equal(resource, AUDIENCE);
            return { scope: 'api', audience: AUDIENCE, accessTokenTTL: 900, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
          },
        },
      },
      // What an Auth0 Action or a Keycloak mapper adds: namespaced claims.
      extraTokenClaims: (_ctx, token) => ({
        [`${NS}email`]: `${token.clientId.toUpperCase()}@Robots.Example.org`,
        [`${NS}email_verified`]: true,
        [`${NS}name`]: `Robot ${token.clientId}`,
      }),
    });
    this.server = provider.listen(this.port);
    await new Promise((resolve) => this.server.once('listening', resolve));
  }
  async stop() {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  }
  /** Restarts with other keys: what an operator rotating the provider's keys does. */
  async rotate(keys, alg) {
    await this.stop();
    await this.start(keys, alg);
  }
  async token(client) {
    const res = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...client, resource: AUDIENCE, scope: 'api' }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
    return body.access_token;
  }
}

const header = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url'));
const payload = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));

/** A token with the provider's claims, signed by a key the provider never published. */
async function forged(idp, kid) {
  const { privateKey } = signingKey(kid, 'rsa');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'robot-1', client_id: 'robot-1', scope: 'api', [`${NS}email`]: 'robot-1@robots.example.org', [`${NS}email_verified`]: true })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
    .setIssuer(idp.issuer)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
}

async function serve(env) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'orgraph-oidc-'));
  const child = spawn(BIN, ['serve'], {
    env: { PATH: process.env.PATH, DATABASE_URL: `sqlite://${dir}/orgraph.db?mode=rwc`, ORGRAPH_LISTEN: `127.0.0.1:${port}`, RUST_LOG: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  cleanup.push(() => child.kill('SIGTERM'));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return base;
    } catch {}
    await sleep(100);
  }
  throw new Error('orgraph did not start');
}

async function viewer(base, token) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ viewer { id name email } }' }),
  });
  return { status: res.status, body: await res.json() };
}

async function accepted(base, token, what) {
  const { status, body } = await viewer(base, token);
  assert.equal(status, 200, `${what}: ${JSON.stringify(body)}`);
  assert.equal(body.errors, undefined, `${what}: ${JSON.stringify(body.errors)}`);
  return body.data.viewer;
}

async function refused(base, token, what) {
  const { status, body } = await viewer(base, token);
  assert.equal(status, 401, `${what}: ${JSON.stringify(body)}`);
  assert.equal(body.errors[0].extensions.code, 'UNAUTHENTICATED', what);
}

test('orgraph accepts the access tokens of oidc-provider through its JWKS, across key rotations', async () => {
  const idp = new Idp(await freePort());
  cleanup.push(() => idp.stop());
  const [keyA, keyB, keyC] = [signingKey('rotation-a', 'rsa'), signingKey('rotation-b', 'rsa'), signingKey('rotation-c', 'ec')];
  await idp.start([keyA], 'RS256');

  const discovery = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
  assert.equal(discovery.issuer, idp.issuer);
  const base = await serve({
    ORGRAPH_JWT_JWKS_URL: discovery.jwks_uri,
    ORGRAPH_JWT_ISSUER: discovery.issuer,
    ORGRAPH_JWT_AUDIENCE: AUDIENCE,
    ORGRAPH_JWT_EMAIL_CLAIM: `${NS}email`,
    ORGRAPH_JWT_EMAIL_VERIFIED_CLAIM: `${NS}email_verified`,
    ORGRAPH_JWT_NAME_CLAIM: `${NS}name`,
    ORGRAPH_JWKS_MIN_REFRESH_SECONDS: '1',
  });
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200, await ready.text());

  // 1. A token of the provider, signed by key A, provisions the robot.
  const tokenA = await idp.token(CLIENTS[0]);
  assert.equal(header(tokenA).kid, 'rotation-a');
  assert.equal(payload(tokenA).aud, AUDIENCE);
  assert.equal(payload(tokenA).sub, 'robot-1');
  const robot = await accepted(base, tokenA, 'key A');
  assert.equal(robot.email, 'robot-1@robots.example.org', 'normalized');
  assert.equal(robot.name, 'Robot robot-1');

  // 2. A key the provider never published: refused.
  await refused(base, await forged(idp, 'intruder-1'), 'an unpublished key');

  // 3. Rotation: B signs, A is still published. A new kid is fetched; A keeps working.
  await idp.rotate([keyB, keyA], 'RS256');
  await sleep(1100); // the minimum refresh interval since the last fetch
  const tokenB = await idp.token(CLIENTS[1]);
  assert.equal(header(tokenB).kid, 'rotation-b');
  assert.equal((await accepted(base, tokenB, 'key B after rotation')).email, 'robot-2@robots.example.org');
  assert.equal((await accepted(base, tokenA, 'key A while still published')).id, robot.id);

  // 4. Rotation to an ES256 key; A is withdrawn and stops working once the set is fetched.
  await idp.rotate([keyC, keyB], 'ES256');
  await sleep(1100);
  const tokenC = await idp.token(CLIENTS[0]);
  assert.deepEqual([header(tokenC).alg, header(tokenC).kid], ['ES256', 'rotation-c']);
  assert.equal((await accepted(base, tokenC, 'key C (ES256)')).id, robot.id, 'same sub, same user');
  await refused(base, tokenA, 'key A after it was withdrawn');
  await accepted(base, tokenB, 'key B still published');

  // 5. The provider goes down: cached keys keep working, unknown kids are 401 (not 500).
  await idp.stop();
  await sleep(1100);
  await refused(base, await forged(idp, 'intruder-2'), 'an unknown kid while the provider is down');
  await accepted(base, tokenC, 'a cached key while the provider is down');
});
