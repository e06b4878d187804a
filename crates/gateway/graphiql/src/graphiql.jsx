// The gateway's offline GraphiQL: React, GraphiQL and the graphql-ws client bundled into one
// script served by the gateway itself (no CDN), so the page works without internet access and
// under a Content-Security-Policy of `script-src 'self'`. The endpoints come from data
// attributes of the page's root element: the page has no inline script.
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
// Bundled for the toolkit, which imports it when a subscription starts.
import "graphql-ws";
import "graphiql/graphiql.css";
import "./page.css";

const root = document.getElementById("graphiql");
const absolute = (path, protocol) => {
  const url = new URL(path, window.location.href);
  if (protocol) url.protocol = protocol;
  return url.toString();
};
const httpUrl = absolute(root.dataset.endpoint);
const wsUrl = absolute(
  root.dataset.subscriptionEndpoint,
  window.location.protocol === "https:" ? "wss:" : "ws:",
);

// The headers typed into GraphiQL's header editor (e.g. `{"Authorization": "Bearer …"}`)
// go with every HTTP request and, for subscriptions, into graphql-ws' `connection_init`
// payload, where the gateway reads the subscriber's credentials (the toolkit opens one
// graphql-ws client per subscription, with the headers of that moment).
const fetcher = createGraphiQLFetcher({
  url: httpUrl,
  subscriptionUrl: wsUrl,
  // The gateway answers plain JSON, not multipart incremental delivery.
  enableIncrementalDelivery: false,
});

createRoot(root).render(<GraphiQL fetcher={fetcher} shouldPersistHeaders={true} />);
