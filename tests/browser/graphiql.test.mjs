// GraphiQL in a real browser: Debian's chromium, headless, against real `orgraph serve`
// processes, with every host but loopback unreachable. Run by .ci/run after `cargo build`
// (ORGRAPH_BIN: the binary; ORGRAPH_CHROMIUM: the browser, default /usr/bin/chromium).
// Screenshots land in target/browser-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, cleanup, gql, open, result, run, screenshot, serve, signJwt, token, useToken } from './support.mjs';

let server;
let context;
let offsite;
before(async () => {
  server = await serve();
  ({ context, offsite } = await browser());
});
after(cleanup);

test('the page loads with no network beyond localhost, takes a pasted token and runs a query', async () => {
  const { page, problems } = await open(context, `${server.base}/`);
  await page.waitForSelector('.graphiql-container');
  assert.equal(await page.textContent('#state'), 'no token: requests are anonymous');
  const alice = token('alice');
  await useToken(page, alice);
  assert.match(await page.textContent('#state'), /^token for alice@example\.com, expires in \d+ min$/);
  assert.equal(await page.evaluate(() => localStorage.getItem('orgraph.token')), alice, 'kept in localStorage');

  await run(page, '{ viewer { name email organizations(first: 5) { nodes { slug personal } } } }');
  const text = await result(page, (t) => t.includes('"email"'));
  const data = JSON.parse(text).data;
  assert.equal(data.viewer.email, 'alice@example.com');
  assert.equal(data.viewer.organizations.nodes[0].personal, true);

  // The explorer plugin is part of the bundle and lists the schema's root fields.
  await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
  await page.waitForSelector('.graphiql-explorer-root');
  assert.ok((await page.textContent('.graphiql-explorer-root')).includes('viewer'));

  console.log(`# screenshot: ${await screenshot(page, 'graphiql.png')}`);
  assert.deepEqual(offsite, [], 'no request may leave localhost');
  assert.deepEqual(problems, [], 'no script error, console error or CSP violation');
  await page.close();
});

const INVITE =
  'mutation($s: ID!, $e: String!) { inviteMember(input: { scopeId: $s, email: $e, role: "worker" }) { invitation { id } } }';

/** The WebSocket of the page's next subscription, once its subscribe frame is sent;
 * `ws.init` is its connection_init frame. */
function nextSubscription(page) {
  return new Promise((resolve) =>
    page.on('websocket', (ws) => {
      ws.on('framesent', (f) => {
        if (f.payload.includes('"connection_init"')) ws.init = f.payload;
        if (f.payload.includes('"subscribe"')) resolve(ws);
      });
    }),
  );
}

/** Sends invitations to `email` (each to a new organization of alice's) until one shows
 * in the page's result pane: the server registers a subscription shortly after its
 * subscribe frame. A few at most. */
async function invitationShows(page, email, prefix) {
  const alice = token('alice');
  const sent = new Map();
  let text = '';
  for (let attempt = 1; attempt <= 5 && !text; attempt++) {
    const slug = `${prefix}-${attempt}`;
    const org = await gql(server, alice, 'mutation($s: String!) { createOrganization(input: { slug: $s }) { organization { id } } }', { s: slug });
    const d = await gql(server, alice, INVITE, { s: org.createOrganization.organization.id, e: email });
    sent.set(d.inviteMember.invitation.id, slug);
    text = await result(page, (t) => [...sent.keys()].some((id) => t.includes(id)), 3000).catch(() => '');
  }
  assert.ok(text, 'no invitation reached the page');
  const got = JSON.parse(text).data.invitationReceived;
  assert.equal(got.email, email);
  assert.equal(got.organization.slug, sent.get(got.id));
}

const SUBSCRIPTION = 'subscription { invitationReceived { id email organization { slug } } }';

test('an invitationReceived subscription started in the page shows an invitation sent over HTTP', async () => {
  const { page, problems } = await open(context, `${server.base}/`);
  const bob = token('bob');
  await useToken(page, bob);
  const subscribed = nextSubscription(page);
  await run(page, SUBSCRIPTION);
  const ws = await subscribed;
  assert.ok(ws.init.includes(`Bearer ${bob}`), 'the token goes in the connection_init payload');
  await invitationShows(page, 'bob@example.com', 'browser-sub');
  await screenshot(page, 'graphiql-subscription.png');
  assert.deepEqual(problems, []);
  await page.close();
});

test('an Authorization header set in the Headers pane signs in queries and subscriptions alike', async () => {
  const { page, problems } = await open(context, `${server.base}/`);
  await useToken(page, token('alice'));
  const carol = token('carol');
  await page.getByText('Headers', { exact: true }).click();
  await page.evaluate((h) => {
    // The tool pane holds the variables and the headers editors; the other one is hidden.
    const editors = [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')];
    editors.find((e) => !e.parentElement.classList.contains('hidden')).CodeMirror.setValue(h);
  }, JSON.stringify({ authorization: `Bearer ${carol}` }));
  // Over the bar's `Authorization` whatever the case of its name, for a query…
  await run(page, '{ viewer { email } }');
  const text = await result(page, (t) => t.includes('"email"'));
  assert.equal(JSON.parse(text).data.viewer.email, 'carol@example.com', text);
  // …and for a subscription.
  const subscribed = nextSubscription(page);
  await run(page, SUBSCRIPTION);
  const ws = await subscribed;
  assert.ok(ws.init.includes(`Bearer ${carol}`), `the pane's header goes over the token bar's: ${ws.init}`);
  await invitationShows(page, 'carol@example.com', 'browser-hdr');
  assert.deepEqual(problems, []);
  await page.close();
});

test('an expired token is shown as expired, and the server refuses it', async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired = signJwt({ sub: 'carol', email: 'carol@example.com', name: 'carol', iat: now - 7200, exp: now - 600 });
  const { page } = await open(context, `${server.base}/`);
  await useToken(page, expired);
  assert.equal(await page.getAttribute('#state', 'data-state'), 'expired');
  assert.match(await page.textContent('#state'), /^token for carol@example\.com EXPIRED \d+ min ago: mint a new one$/);
  await run(page, '{ viewer { id } }');
  await result(page, (t) => t.includes('UNAUTHENTICATED'));
  await screenshot(page, 'graphiql-expired.png');

  // A fresh token clears the mark.
  await useToken(page, token('carol'));
  assert.equal(await page.getAttribute('#state', 'data-state'), 'ok');
  await page.close();
});

for (const [how, handle] of [
  ['fails to load', (route) => route.abort('connectionrefused')],
  ['is altered (integrity mismatch)', (route) => route.fulfill({ contentType: 'text/javascript', body: 'window.OrgraphGraphiQL = {};' })],
]) {
  test(`a GraphiQL bundle that ${how} shows a visible error`, async () => {
    const prepare = (page) => page.route('**/graphiql/assets/graphiql.js*', handle);
    const { page } = await open(context, `${server.base}/`, prepare);
    await page.waitForSelector('#load-error:not([hidden])');
    assert.match(await page.textContent('#load-error'), /GraphiQL could not load http:\/\/127\.0\.0\.1:\d+\/graphiql\/assets\/graphiql\.js\?v=/);
    assert.equal(await page.textContent('#graphiql'), '', '"Loading GraphiQL…" is gone');
    await page.close();
  });
}

test('ORGRAPH_GRAPHIQL_ASSETS_URL loads the bundle from another origin, with integrity checked', async () => {
  const other = await serve({ ORGRAPH_GRAPHIQL_ASSETS_URL: `${server.base}/graphiql/assets/` });
  const fetched = [];
  const { page, problems } = await open(context, `${other.base}/`, async (p) => p.on('request', (r) => fetched.push(r.url())));
  await page.waitForSelector('.graphiql-container .graphiql-query-editor');
  assert.ok(fetched.some((u) => u.startsWith(`${server.base}/graphiql/assets/graphiql.js?v=`)), fetched.join('\n'));
  assert.ok(fetched.some((u) => u.startsWith(`${other.base}/graphiql/assets/page.js?v=`)), 'page.js comes from the server itself');
  assert.deepEqual(problems, []);
  await page.close();

  const unreachable = await serve({ ORGRAPH_GRAPHIQL_ASSETS_URL: 'https://cdn.example.invalid/graphiql' });
  const before = offsite.length;
  const { page: p2 } = await open(context, `${unreachable.base}/`);
  await p2.waitForSelector('#load-error:not([hidden])');
  assert.match(await p2.textContent('#load-error'), /could not load https:\/\/cdn\.example\.invalid\/graphiql\/graphiql\.(css|js)/);
  assert.ok(offsite.length > before, 'the request was stopped by the test, not sent');
  offsite.splice(before);
  await p2.close();
});
