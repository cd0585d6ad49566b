// Soak benchmark (issue 10, item 9), not a test: run by scripts/soak, which builds the
// release binary and makes a fresh PostgreSQL database. Starts TWO `orgraph serve`
// processes on that one database and, for --duration, drives mixed load against both:
//   reads    nested queries (sidebar tree, a project's dataset tree, a dataset's place,
//            members), by team `viewer` members and the organization owner;
//   writes   createDataset / updateDataset (rename) / moveDataset / deleteDataset, each
//            writer (a team `developer`) in a project of its own (no conflicting writes);
//   invites  the owner invites an invitee (organization or team scope), alternately on
//            either instance; every invitee holds one `invitationReceived` subscription on
//            EACH instance, so each invitation is delivered once through the instance that
//            wrote it and once across instances through the durable outbox; once both
//            arrived, the invitee declines it (freeing the e-mail for the next one).
// Every --interval it prints throughput, p50/p99 latency, RSS of each instance and the
// invitations sent/delivered; at the end a Markdown table and the verdict (exit 1 when an
// invitation went undelivered, a subscriber got a foreign one, or an instance died).
//
//   node soak.mjs --database-url postgres://…/soak_db [--duration 30m] [--interval 60s]
//        [--readers 6] [--writers 2] [--invitees 10] [--invite-every 500ms] [--rate 0]
//        [--bin ../../target/release/orgraph] [--out DIR]
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, appendFileSync, readFileSync, openSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import os from 'node:os';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';

// --- options -------------------------------------------------------------------------
const opts = {
  'database-url': process.env.SOAK_DATABASE_URL,
  duration: '30m',
  interval: '60s',
  readers: '6',
  writers: '2',
  invitees: '10',
  'invite-every': '500ms',
  rate: '0',
  bin: new URL('../../target/release/orgraph', import.meta.url).pathname,
  out: null,
};
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  if (!(key in opts) || process.argv[i + 1] === undefined) usage(`unknown or incomplete option ${process.argv[i]}`);
  opts[key] = process.argv[i + 1];
}
function usage(msg) {
  console.error(`soak: ${msg}\nsee the comment at the top of tests/e2e/soak.mjs`);
  process.exit(2);
}
function ms(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text));
  if (!m) usage(`not a duration: ${text}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'];
}
const DB = opts['database-url'];
if (!DB?.startsWith('postgres')) usage('--database-url must be a PostgreSQL URL (two instances share it)');
const DURATION = ms(opts.duration);
const INTERVAL = ms(opts.interval);
const READERS = Number(opts.readers);
const WRITERS = Number(opts.writers);
const INVITEES = Number(opts.invitees);
const INVITE_EVERY = ms(opts['invite-every']);
const RATE = Number(opts.rate); // requests/s over all readers and writers; 0: as fast as they go
const OUT = opts.out ?? join(os.tmpdir(), `orgraph-soak-${Date.now()}`);
mkdirSync(OUT, { recursive: true });

const SECRET = 'soak-secret-soak-secret-soak-secret-0123456789';
const RUN = Math.random().toString(36).slice(2, 8);
// Tokens live through the run (the server's lifetime cap is raised to match).
const TTL_S = Math.ceil(DURATION / 1000) + 3600;
const sleep = (t) => new Promise((r) => setTimeout(r, t));

// --- servers -------------------------------------------------------------------------
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const serverEnv = (port) => ({
  ...process.env,
  DATABASE_URL: DB,
  ORGRAPH_JWT_SECRET: SECRET,
  ORGRAPH_JWT_MAX_LIFETIME: String(TTL_S + 60),
  ORGRAPH_DEV: '0',
  ORGRAPH_LOG: 'warn',
  ...(port ? { ORGRAPH_LISTEN: `127.0.0.1:${port}` } : {}),
});

const servers = [];
let stopping = false;
async function startServers() {
  const ports = [await freePort(), await freePort()];
  // Both at once, on the same fresh database (issue 10, item 8: migrations take a lock).
  for (const [i, port] of ports.entries()) {
    const log = openSync(join(OUT, `instance-${'AB'[i]}.log`), 'a');
    const child = spawn(opts.bin, ['serve'], { env: serverEnv(port), stdio: ['ignore', log, log] });
    const s = { name: 'AB'[i], base: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/graphql/ws`, child };
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`soak: instance ${s.name} exited (${code ?? signal}); see ${OUT}/instance-${s.name}.log`);
        s.died = true;
      }
    });
    servers.push(s);
  }
  for (const s of servers) {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${s.base}/healthz`)).ok) break;
      } catch {}
      if (i > 600 || s.died) throw new Error(`instance ${s.name} did not start`);
      await sleep(100);
    }
  }
}
function rssMb(s) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'))[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}
const mint = (sub) =>
  execFileSync(opts.bin, ['token', '--sub', sub, '--email', `${sub}@soak.example.com`, '--name', sub, '--ttl', `${TTL_S}s`], {
    env: serverEnv(),
  })
    .toString()
    .trim();

// --- measurement ---------------------------------------------------------------------
const newWindow = () => ({ lat: [], readLat: [], writeLat: [], ok: 0, errors: {}, sent: 0, delivered: 0, deliveryLat: [] });
let win = newWindow();
const rows = [];
const totals = { requests: 0, errors: {}, sent: 0, deliveredBoth: 0, deliveries: 0, duplicates: 0, foreign: 0 };
const countError = (kind) => {
  win.errors[kind] = (win.errors[kind] ?? 0) + 1;
  totals.errors[kind] = (totals.errors[kind] ?? 0) + 1;
};
const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** One GraphQL request; returns data or null (the error is counted by its code). */
async function gql(server, tok, query, variables, kind) {
  const t0 = performance.now();
  let data = null;
  try {
    const res = await fetch(`${server.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json().catch(() => ({}));
    if (body.errors?.length) countError(`${kind}:${body.errors[0].extensions?.code ?? `HTTP ${res.status}`}`);
    else if (!res.ok || !body.data) countError(`${kind}:HTTP ${res.status}`);
    else data = body.data;
  } catch (e) {
    countError(`${kind}:${e.cause?.code ?? e.name}`);
  }
  const dt = performance.now() - t0;
  if (kind !== 'setup') {
    totals.requests++;
    win.lat.push(dt);
    (kind === 'read' ? win.readLat : win.writeLat).push(dt);
    if (data) win.ok++;
  }
  return data;
}
async function must(server, tok, query, variables = {}) {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(`setup: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// Paces all load workers together to RATE requests/s when set.
let nextSlot = performance.now();
async function pace() {
  if (RATE <= 0) return;
  const now = performance.now();
  nextSlot = Math.max(nextSlot + 1000 / RATE, now);
  if (nextSlot > now) await sleep(nextSlot - now);
}

// --- queries -------------------------------------------------------------------------
const Q = {
  sidebar: `{ viewer { id organizations(first: 5) { nodes { slug viewerRole { key } viewerPermissions
      teams(first: 5) { nodes { id name viewerRole { key } workspaces(first: 5) { nodes { id name
        projects(first: 10) { nodes { id name viewerCan(permission: "dataset.create") datasets(first: 5) { nodes { id name } } } } } } } } } } } }`,
  tree: `query($p: ID!) { node(id: $p) { ... on Project { name itemCount datasets(first: 50) { totalCount nodes { id name depth
      children(first: 20) { nodes { id name children(first: 20) { nodes { id name depth } } } } } } } } }`,
  place: `query($d: ID!) { node(id: $d) { ... on Dataset { name depth ancestors { id name }
      project { name workspace { name team { name organization { slug } } } } } } }`,
  members: `query($s: String!) { organization(slug: $s) { teams(first: 5) { nodes { members(first: 50) { totalCount
      nodes { role { key } user { id name } } } } } } }`,
  pending: `{ viewer { pendingInvitations { id status } } }`,
};
const M = {
  create: `mutation($p: ID!, $parent: ID, $n: String!) { createDataset(input: { projectId: $p, parentId: $parent, name: $n }) { dataset { id depth } } }`,
  rename: `mutation($d: ID!, $n: String!) { updateDataset(input: { datasetId: $d, name: $n }) { dataset { id name } } }`,
  move: `mutation($d: ID!, $to: ID) { moveDataset(input: { datasetId: $d, newParentId: $to }) { dataset { id depth } } }`,
  remove: `mutation($d: ID!) { deleteDataset(input: { datasetId: $d }) { deletedDatasetId } }`,
  invite: `mutation($s: ID!, $e: String!, $r: String!) { inviteMember(input: { scopeId: $s, email: $e, role: $r }) { invitation { id } } }`,
  decline: `mutation($i: ID!) { declineInvitation(input: { invitationId: $i }) { invitation { id status } } }`,
};

// --- fixture -------------------------------------------------------------------------
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
async function fixture() {
  const [A] = servers;
  const user = async (sub) => {
    const tok = mint(`${sub}-${RUN}`);
    const { viewer } = await must(A, tok, '{ viewer { id email } }');
    return { tok, id: viewer.id, email: viewer.email };
  };
  const owner = await user('owner');
  const slug = `soak${RUN}`;
  const org = (await must(A, owner.tok, 'mutation($s: String!) { createOrganization(input: { slug: $s }) { organization { id } } }', { s: slug }))
    .createOrganization.organization.id;
  const teams = [];
  for (const name of ['Perception', 'Mapping']) {
    const t = (
      await must(A, owner.tok, 'mutation($o: ID!, $n: String!) { createTeam(input: { organizationId: $o, name: $n }) { team { id workspaces(first: 1) { nodes { id } } } } }', {
        o: org,
        n: name,
      })
    ).createTeam.team;
    teams.push({ id: t.id, ws: t.workspaces.nodes[0].id });
  }
  const add = (scope, u, role) =>
    must(A, owner.tok, 'mutation($s: ID!, $u: ID!, $r: String!) { addMember(input: { scopeId: $s, userId: $u, role: $r }) { membership { id } } }', {
      s: scope,
      u: u.id,
      r: role,
    });
  const join = async (u, teamRole) => {
    await add(org, u, 'worker');
    for (const t of teams) await add(t.id, u, teamRole);
  };
  const readers = [{ ...owner }];
  for (let i = 1; i < READERS; i++) {
    const r = await user(`reader${i}`);
    await join(r, 'viewer');
    readers.push(r);
  }
  const writers = [];
  for (let i = 0; i < WRITERS; i++) {
    const w = await user(`writer${i}`);
    await join(w, 'developer');
    const team = teams[i % teams.length];
    const p = (await must(A, owner.tok, 'mutation($w: ID!, $n: String!) { createProject(input: { workspaceId: $w, name: $n }) { project { id } } }', { w: team.ws, n: `Project ${i}` }))
      .createProject.project.id;
    w.project = p;
    w.sets = new Map(); // id → { parent, depth, children: Set }
    w.counter = 0;
    for (let k = 0; k < 20; k++) {
      const parent = k < 5 ? null : pick([...w.sets.keys()]);
      const d = (await must(A, w.tok, M.create, { p, parent, n: `seed ${k}` })).createDataset.dataset;
      addSet(w, d.id, parent, d.depth);
    }
    writers.push(w);
  }
  const invitees = [];
  for (let i = 0; i < INVITEES; i++) invitees.push({ ...(await user(`invitee${i}`)), busy: false, subs: [] });
  return { owner, org, slug, teams, readers, writers, invitees };
}
function addSet(w, id, parent, depth) {
  w.sets.set(id, { parent, depth, children: new Set() });
  if (parent) w.sets.get(parent)?.children.add(id);
}

// --- load ----------------------------------------------------------------------------
let running = true;
async function reader(fx, r, server) {
  while (running) {
    await pace();
    const roll = Math.random();
    const w = pick(fx.writers);
    if (roll < 0.3) await gql(server, r.tok, Q.sidebar, {}, 'read');
    else if (roll < 0.6) await gql(server, r.tok, Q.tree, { p: w.project }, 'read');
    else if (roll < 0.85) await gql(server, r.tok, Q.place, { d: pick([...w.sets.keys()]) }, 'read');
    else await gql(server, r.tok, Q.members, { s: fx.slug }, 'read');
  }
}
async function writer(w, server) {
  while (running) {
    await pace();
    const ids = [...w.sets.keys()];
    const leaves = ids.filter((id) => w.sets.get(id).children.size === 0);
    const shallow = ids.filter((id) => w.sets.get(id).depth < 6);
    const roll = Math.random();
    const name = () => `d${++w.counter} ${RUN}`;
    if ((roll < 0.35 && ids.length < 300) || ids.length < 30) {
      const parent = Math.random() < 0.3 ? null : pick(shallow);
      const d = (await gql(server, w.tok, M.create, { p: w.project, parent, n: name() }, 'write'))?.createDataset.dataset;
      if (d) addSet(w, d.id, parent, d.depth);
    } else if (roll < 0.7) {
      await gql(server, w.tok, M.rename, { d: pick(ids), n: name() }, 'write');
    } else if (roll < 0.85) {
      // A leaf under another shallow dataset (or to the top): never a cycle, depth stays small.
      const id = pick(leaves);
      const to = Math.random() < 0.2 ? null : pick(shallow.filter((x) => x !== id));
      const d = (await gql(server, w.tok, M.move, { d: id, to: to ?? null }, 'write'))?.moveDataset.dataset;
      if (d) {
        const s = w.sets.get(id);
        if (s.parent) w.sets.get(s.parent)?.children.delete(id);
        s.parent = to ?? null;
        s.depth = d.depth;
        if (to) w.sets.get(to).children.add(id);
      }
    } else {
      const id = pick(leaves);
      if (await gql(server, w.tok, M.remove, { d: id }, 'write')) {
        const s = w.sets.get(id);
        if (s.parent) w.sets.get(s.parent)?.children.delete(id);
        w.sets.delete(id);
      }
    }
  }
}

// --- invitations ---------------------------------------------------------------------
const invitations = new Map(); // invitation id → { invitee, t0, got: Set(instance), declined }
function subscribe(server, inv) {
  const sub = { server: server.name, closed: false };
  const client = createClient({ url: server.ws, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${inv.tok}` }, retryAttempts: 0, lazy: false });
  sub.acked = new Promise((resolve) => client.on('connected', resolve));
  client.on('closed', (e) => {
    if (!stopping) {
      sub.closed = true;
      countError(`ws:closed ${e?.code ?? ''}`);
    }
  });
  client.subscribe(
    { query: 'subscription { invitationReceived { id email status } }' },
    {
      next: ({ data, errors }) => {
        if (errors) return countError('ws:error');
        const id = data.invitationReceived.id;
        // A delivery may overtake the answer to inviteMember: keep it until that arrives.
        let rec = invitations.get(id);
        if (!rec) invitations.set(id, (rec = { invitee: inv, got: new Set() }));
        if (rec.invitee !== inv) {
          totals.foreign++;
          return countError('ws:foreign invitation');
        }
        if (rec.got.has(server.name)) return totals.duplicates++;
        rec.got.add(server.name);
        totals.deliveries++;
        win.deliveryLat.push(performance.now() - (rec.t0 ?? inv.inviteT0));
        complete(id, rec);
      },
      error: (e) => countError(`ws:${e?.code ?? e?.message ?? 'error'}`),
      complete: () => {},
    },
  );
  sub.dispose = () => client.dispose();
  inv.subs.push(sub);
  return sub;
}
/** Both subscriptions have it and the invitation is known as sent: counted, then declined. */
function complete(id, rec) {
  if (rec.t0 === undefined || rec.got.size < 2 || rec.counted) return;
  rec.counted = true;
  totals.deliveredBoth++;
  win.delivered++;
  settle(id, rec);
}
/** The invitee declines (on the other instance), which frees its e-mail for the next one. */
async function settle(id, rec) {
  if (rec.declined) return;
  rec.declined = true;
  const server = servers[(rec.on + 1) % 2];
  await gql(server, rec.invitee.tok, M.decline, { i: id }, 'write');
  rec.invitee.busy = false;
}
async function inviter(fx) {
  let n = 0;
  while (running) {
    const t = performance.now();
    const inv = fx.invitees.find((i) => !i.busy);
    if (inv) {
      inv.busy = true;
      const on = n % 2;
      const team = n % 4 >= 2;
      n++;
      const t0 = performance.now();
      inv.inviteT0 = t0;
      const vars = { s: team ? fx.teams[0].id : fx.org, e: inv.email, r: team ? 'annotator' : 'worker' };
      const d = await gql(servers[on], fx.owner.tok, M.invite, vars, 'write');
      if (d) {
        const id = d.inviteMember.invitation.id;
        let rec = invitations.get(id);
        if (rec && rec.invitee !== inv) {
          totals.foreign++;
          countError('ws:foreign invitation');
          rec = undefined;
        }
        rec ??= { invitee: inv, got: new Set() };
        Object.assign(rec, { invitee: inv, t0, on });
        invitations.set(id, rec);
        totals.sent++;
        win.sent++;
        complete(id, rec);
        // Not delivered to both within 30 s: decline anyway (a late delivery still counts).
        setTimeout(() => !rec.counted && (countError('invite:not delivered within 30 s'), settle(id, rec)), 30_000);
      } else inv.busy = false;
    } else countError('invite:skipped, every invitee busy');
    await sleep(Math.max(0, INVITE_EVERY - (performance.now() - t)));
  }
}

// --- reporting -----------------------------------------------------------------------
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
function report(minute, seconds) {
  const w = win;
  win = newWindow();
  const errs = Object.values(w.errors).reduce((a, b) => a + b, 0);
  const row = {
    minute,
    reqPerS: w.lat.length / seconds,
    p50: pct(w.lat, 50),
    p99: pct(w.lat, 99),
    readP99: pct(w.readLat, 99),
    writeP99: pct(w.writeLat, 99),
    rssA: rssMb(servers[0]),
    rssB: rssMb(servers[1]),
    sent: totals.sent,
    delivered: totals.deliveredBoth,
    deliveryP99: pct(w.deliveryLat, 99),
    errors: errs,
    errorKinds: w.errors,
  };
  rows.push(row);
  appendFileSync(join(OUT, 'minutes.jsonl'), `${JSON.stringify(row)}\n`);
  console.log(
    `[${String(minute).padStart(3)}] ${f1(row.reqPerS)} req/s  p50 ${f1(row.p50)} ms  p99 ${f1(row.p99)} ms (read ${f1(row.readP99)}, write ${f1(row.writeP99)})  ` +
      `RSS A ${f1(row.rssA)} MB  B ${f1(row.rssB)} MB  invitations ${row.sent} sent / ${row.delivered} delivered (p99 ${f0(row.deliveryP99)} ms)  errors ${errs}` +
      (errs ? ` ${JSON.stringify(w.errors)}` : ''),
  );
}
function table(startRss) {
  const head =
    '| min | req/s | p50 ms | p99 ms | read p99 | write p99 | RSS A MB | RSS B MB | invitations sent | delivered to both | delivery p99 ms | errors |\n' +
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n' +
    `| start | | | | | | ${f1(startRss[0])} | ${f1(startRss[1])} | | | | |\n`;
  return (
    head +
    rows
      .map(
        (r) =>
          `| ${r.minute} | ${f0(r.reqPerS)} | ${f1(r.p50)} | ${f1(r.p99)} | ${f1(r.readP99)} | ${f1(r.writeP99)} | ${f1(r.rssA)} | ${f1(r.rssB)} | ${r.sent} | ${r.delivered} | ${f0(r.deliveryP99)} | ${r.errors} |`,
      )
      .join('\n')
  );
}

// --- main ----------------------------------------------------------------------------
async function main() {
  console.log(`soak: run ${RUN}, ${opts.duration} on ${DB.replace(/\/\/[^@]*@/, '//')}, logs in ${OUT}`);
  await startServers();
  const fx = await fixture();
  for (const inv of fx.invitees) for (const s of servers) subscribe(s, inv);
  await Promise.all(fx.invitees.flatMap((i) => i.subs.map((s) => s.acked)));
  await sleep(1000); // the subscribe messages follow the acknowledgements
  const startRss = servers.map(rssMb);
  console.log(
    `soak: ${READERS} readers, ${WRITERS} writers, ${INVITEES} invitees × 2 subscriptions, an invitation every ${opts['invite-every']}` +
      `${RATE > 0 ? `, ${RATE} req/s` : ', closed loop'}; RSS after setup A ${f1(startRss[0])} MB, B ${f1(startRss[1])} MB`,
  );
  const load = [
    ...fx.readers.map((r, i) => reader(fx, r, servers[i % 2])),
    ...fx.writers.map((w, i) => writer(w, servers[(i + 1) % 2])),
    inviter(fx),
  ];
  const t0 = performance.now();
  let minute = 0;
  let last = t0;
  while (performance.now() - t0 < DURATION && !servers.some((s) => s.died)) {
    await sleep(Math.min(INTERVAL, DURATION - (performance.now() - t0)));
    const now = performance.now();
    report(++minute, (now - last) / 1000);
    last = now;
  }
  running = false;
  await Promise.all(load);
  // Grace for the last deliveries (the outbox is polled every 2 s at worst).
  for (let i = 0; i < 150 && totals.deliveredBoth < totals.sent && !servers.some((s) => s.died); i++) await sleep(100);
  const unclaimed = [...invitations.values()].filter((r) => r.t0 === undefined).length;
  const died = servers.filter((s) => s.died).map((s) => s.name);
  stopping = true;
  fx.invitees.forEach((i) => i.subs.forEach((s) => s.dispose()));
  servers.forEach((s) => s.child.kill('SIGTERM'));

  const ok = totals.sent > 0 && totals.deliveredBoth === totals.sent && totals.foreign === 0 && unclaimed === 0 && died.length === 0;
  const summary = [
    `Soak run ${RUN}: ${opts.duration}, two instances on one PostgreSQL database, ${READERS} readers + ${WRITERS} writers ` +
      `(${RATE > 0 ? `paced at ${RATE} req/s` : 'closed loop'}), ${INVITEES} invitees with a subscription on each instance, an invitation every ${opts['invite-every']}.`,
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')}.`,
    '',
    table(startRss),
    '',
    `Requests: ${totals.requests}; errors: ${Object.values(totals.errors).reduce((a, b) => a + b, 0)} ${JSON.stringify(totals.errors)}.`,
    `Invitations: ${totals.sent} sent, ${totals.deliveredBoth} delivered to both subscriptions (${totals.deliveries} deliveries of ${2 * totals.sent} expected), ` +
      `${totals.duplicates} duplicates, ${totals.foreign + unclaimed} foreign or unknown.`,
    died.length ? `Instances that died: ${died.join(', ')}.` : 'Both instances ran to the end.',
    `Verdict: ${ok ? 'PASS' : 'FAIL'} (delivered = sent, nothing foreign, no instance lost).`,
  ].join('\n');
  writeFileSync(join(OUT, 'summary.md'), `${summary}\n`);
  console.log(`\n${summary}\n\nsoak: summary in ${OUT}/summary.md`);
  await sleep(500);
  process.exit(ok ? 0 : 1);
}
process.on('SIGINT', () => {
  stopping = true;
  servers.forEach((s) => s.child.kill('SIGTERM'));
  process.exit(130);
});
main().catch((e) => {
  console.error(`soak: ${e.stack ?? e}`);
  stopping = true;
  servers.forEach((s) => s.child.kill('SIGTERM'));
  process.exit(1);
});
