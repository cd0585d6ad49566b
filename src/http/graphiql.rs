//! The GraphiQL page (dev mode only). The user pastes a token once; it is kept in the
//! browser's localStorage and sent as the `Authorization` header and in the WebSocket
//! `connection_init` payload.

use super::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;
use std::sync::Arc;

pub async fn page(State(app): State<Arc<AppState>>) -> Response {
    if !app.settings.dev {
        return (StatusCode::NOT_FOUND, "GraphiQL is off (ORGRAPH_DEV=0)").into_response();
    }
    Html(PAGE).into_response()
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>orgraph — GraphiQL</title>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3.7.1/graphiql.min.css" />
  <style>
    body { margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
    #bar { display: flex; gap: 8px; align-items: center; padding: 6px 10px; background: #1f2430; color: #eee; font-size: 13px; }
    #bar input { flex: 1; font-family: monospace; }
    #graphiql { flex: 1; }
  </style>
</head>
<body>
  <div id="bar">
    <b>orgraph</b>
    <label for="token">Token:</label>
    <input id="token" placeholder="paste the output of `orgraph token --sub you --email you@example.com`" />
    <button id="save">Use token</button>
    <span id="state"></span>
  </div>
  <div id="graphiql">Loading GraphiQL…</div>
  <script crossorigin src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3.7.1/graphiql.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphql-ws@6.4.2/umd/graphql-ws.js"></script>
  <script>
    const key = 'orgraph.token';
    const input = document.getElementById('token');
    input.value = localStorage.getItem(key) || '';
    function render() {
      const token = localStorage.getItem(key) || '';
      document.getElementById('state').textContent = token ? 'token set' : 'no token';
      const auth = token ? { Authorization: 'Bearer ' + token } : {};
      const ws = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';
      // The same token goes into the WebSocket connection_init payload.
      const wsClient = graphqlWs.createClient({ url: ws, connectionParams: auth, lazy: true });
      const fetcher = GraphiQL.createFetcher({ url: '/graphql', headers: auth, wsClient });
      ReactDOM.createRoot(document.getElementById('graphiql')).render(
        React.createElement(GraphiQL, { fetcher, defaultQuery: '{\n  viewer {\n    id\n    name\n    email\n    organizations(first: 10) { nodes { slug name viewerRole { key } } }\n  }\n}\n' }));
    }
    document.getElementById('save').onclick = () => { localStorage.setItem(key, input.value.trim()); location.reload(); };
    render();
  </script>
</body>
</html>
"#;
