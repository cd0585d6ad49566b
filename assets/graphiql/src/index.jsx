// The one script of orgraph's GraphiQL page: React, GraphiQL, the explorer plugin and the
// graphql-ws client in one bundle (built by ../build.sh). It renders nothing by itself:
// the page's own script (../page.js) reads the token and calls OrgraphGraphiQL.render.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { createClient } from 'graphql-ws';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';

/**
 * `base` with `extra` over it, header names compared without case (`authorization` in the
 * Headers pane replaces the token bar's `Authorization`).
 */
function merge(base, extra) {
  const out = { ...base };
  for (const [name, value] of Object.entries(extra || {})) {
    for (const key of Object.keys(out)) {
      if (key.toLowerCase() === name.toLowerCase()) delete out[key];
    }
    out[name] = value;
  }
  return out;
}

/**
 * Mounts GraphiQL into `element`. `headers` (the token bar's) go with every HTTP request
 * and, as the graphql-ws `connection_init` payload, with the WebSocket (subscriptions);
 * headers set in GraphiQL's Headers pane go over them, on both: a subscription signs in
 * as the query beside it does. One WebSocket client per set of headers, opened when a
 * subscription first needs it.
 */
function render({ element, url, wsUrl, headers, defaultQuery, onSocketClosed }) {
  const clients = new Map();
  const clientFor = (params) => {
    const key = JSON.stringify(params);
    if (!clients.has(key)) {
      clients.set(key, createClient({
        url: wsUrl,
        connectionParams: params,
        lazy: true,
        // 4403 (bad or expired token) is final; anything else is retried a few times.
        retryAttempts: 3,
        shouldRetry: (event) => !(event && event.code === 4403),
        on: { closed: (event) => onSocketClosed && onSocketClosed(event) },
      }));
    }
    return clients.get(key);
  };
  const fetchers = new Map();
  const fetcher = (graphQLParams, opts) => {
    const params = merge(headers, opts && opts.headers);
    const key = JSON.stringify(params);
    if (!fetchers.has(key)) {
      fetchers.set(key, createGraphiQLFetcher({ url, headers: params, wsClient: clientFor(params) }));
    }
    // The merged headers go as the fetcher's own: the toolkit would add the pane's again
    // by exact name (`authorization` beside `Authorization`, joined into one bad header).
    return fetchers.get(key)(graphQLParams, { ...opts, headers: undefined });
  };
  const plugins = [explorerPlugin()];
  createRoot(element).render(<GraphiQL fetcher={fetcher} plugins={plugins} defaultQuery={defaultQuery} />);
  return { wsClient: clientFor(merge(headers, {})) };
}

export const versions = {
  graphiql: __GRAPHIQL_VERSION__,
  react: React.version,
};

window.OrgraphGraphiQL = { render, versions };
