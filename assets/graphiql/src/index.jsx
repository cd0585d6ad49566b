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
 * Mounts GraphiQL into `element`. `headers` go with every HTTP request and, as the
 * graphql-ws `connection_init` payload, with the WebSocket (subscriptions).
 */
function render({ element, url, wsUrl, headers, defaultQuery, onSocketClosed }) {
  const wsClient = createClient({
    url: wsUrl,
    connectionParams: headers,
    lazy: true,
    // 4403 (bad or expired token) is final; anything else is retried a few times.
    retryAttempts: 3,
    shouldRetry: (event) => !(event && event.code === 4403),
    on: { closed: (event) => onSocketClosed && onSocketClosed(event) },
  });
  const fetcher = createGraphiQLFetcher({ url, headers, wsClient });
  const plugins = [explorerPlugin()];
  createRoot(element).render(<GraphiQL fetcher={fetcher} plugins={plugins} defaultQuery={defaultQuery} />);
  return { wsClient };
}

export const versions = {
  graphiql: __GRAPHIQL_VERSION__,
  react: React.version,
};

window.OrgraphGraphiQL = { render, versions };
