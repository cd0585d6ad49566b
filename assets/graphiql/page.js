// orgraph's GraphiQL page: the token bar and start-up. Served as it is (not bundled) from
// the binary, before the GraphiQL bundle, so that it can report a bundle that fails to load.
// The token is pasted once, kept in localStorage and sent as the Authorization header and
// in the graphql-ws connection_init payload.
(function () {
  'use strict';
  var KEY = 'orgraph.token';
  var DEFAULT_QUERY =
    '{\n  viewer {\n    id\n    name\n    email\n    organizations(first: 10) { nodes { slug name viewerRole { key } } }\n  }\n}\n';
  var failed = false;
  var rendered = false;

  function showError(message) {
    failed = true;
    var box = document.getElementById('load-error');
    box.hidden = false;
    box.textContent = message;
    if (!rendered) document.getElementById('graphiql').textContent = '';
  }

  // A <script> or <link> that fails to load fires a non-bubbling error event: catch it here.
  window.addEventListener(
    'error',
    function (event) {
      var el = event.target;
      if (el && (el.tagName === 'SCRIPT' || el.tagName === 'LINK')) {
        showError(
          'GraphiQL could not load ' + (el.src || el.href) +
            ' (network error, blocked, or integrity mismatch). The API at /graphql still works; ' +
            'see the browser console and the ORGRAPH_GRAPHIQL_ASSETS_URL setting.',
        );
      }
    },
    true,
  );

  /** The JWT's claims, or null when the token is not a JWT (e.g. an orgraph_pat_ token). */
  function claims(token) {
    var parts = token.split('.');
    if (parts.length !== 3) return null;
    try {
      var b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
      var bytes = Uint8Array.from(atob(b64 + '==='.slice((b64.length + 3) % 4)), function (c) {
        return c.charCodeAt(0);
      });
      var value = JSON.parse(new TextDecoder().decode(bytes));
      return value && typeof value === 'object' ? value : null;
    } catch (e) {
      return null;
    }
  }

  function duration(seconds) {
    var s = Math.abs(Math.round(seconds));
    if (s < 90) return s + ' s';
    if (s < 90 * 60) return Math.round(s / 60) + ' min';
    if (s < 48 * 3600) return Math.round(s / 3600) + ' h';
    return Math.round(s / 86400) + ' days';
  }

  /** [text, state] for the token bar; state is none | ok | expired | invalid. */
  function describe(token) {
    if (!token) return ['no token: requests are anonymous', 'none'];
    if (token.indexOf('orgraph_pat_') === 0) return ['personal access token ' + token.slice(0, 20) + '…', 'ok'];
    var c = claims(token);
    if (!c) return ['not a JWT (three base64url parts) nor an orgraph_pat_ token', 'invalid'];
    var who = c.email || c.sub || 'unknown subject';
    if (typeof c.exp !== 'number') return ['token for ' + who + ' (no exp claim)', 'ok'];
    var left = c.exp - Date.now() / 1000;
    if (left <= 0) return ['token for ' + who + ' EXPIRED ' + duration(left) + ' ago: mint a new one', 'expired'];
    return ['token for ' + who + ', expires in ' + duration(left), 'ok'];
  }

  var input = document.getElementById('token');
  var state = document.getElementById('state');
  var token = localStorage.getItem(KEY) || '';
  input.value = token;

  function refresh() {
    var d = describe(token);
    state.textContent = d[0];
    state.dataset.state = d[1];
    document.getElementById('bar').dataset.state = d[1];
  }
  refresh();
  setInterval(refresh, 15000);

  document.getElementById('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = input.value.trim().replace(/^Bearer\s+/i, '');
    if (value) localStorage.setItem(KEY, value);
    else localStorage.removeItem(KEY);
    location.reload();
  });
  document.getElementById('forget').addEventListener('click', function () {
    localStorage.removeItem(KEY);
    location.reload();
  });

  document.addEventListener('DOMContentLoaded', function () {
    if (failed) return;
    if (!window.OrgraphGraphiQL) {
      showError('GraphiQL\'s script did not run (blocked or failed to load); see the browser console.');
      return;
    }
    var headers = token ? { Authorization: 'Bearer ' + token } : {};
    var ws = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';
    try {
      rendered = true;
      window.OrgraphGraphiQL.render({
        element: document.getElementById('graphiql'),
        url: '/graphql',
        wsUrl: ws,
        headers: headers,
        defaultQuery: DEFAULT_QUERY,
        onSocketClosed: function (event) {
          if (event && event.code === 4403) {
            state.textContent = 'the server refused this token on the WebSocket (4403): ' + describe(token)[0];
            state.dataset.state = 'invalid';
          }
        },
      });
    } catch (e) {
      showError('GraphiQL failed to start: ' + e);
    }
  });
})();
