// The gateway's own GraphiQL in headless Chromium with the network limited to the loopback:
// it loads (no CDN), shows the schema docs, runs a query with the Authorization header, and
// runs a subscription over /graphql/ws — all under its strict Content-Security-Policy.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  addAttendee,
  graphql,
  launchBrowser,
  screenshots,
  startGateway,
  waitForText,
} from "./support.mjs";

let gateway;
let browser;

before(async () => {
  gateway = await startGateway();
});

after(async () => {
  await browser?.browser.close();
  await gateway?.stop();
});

/** Replaces the text of GraphiQL's query editor (CodeMirror 5 keeps its instance on its element). */
async function setQuery(page, query) {
  await page.evaluate((query) => {
    document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(query);
  }, query);
  // GraphiQL re-reads the operation name from the editor after a short debounce.
  await new Promise((done) => setTimeout(done, 1000));
}

async function setHeaders(page, headers) {
  await page.evaluate((headers) => {
    document
      .querySelector(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
      .CodeMirror.setValue(headers);
  }, headers);
}

test("GraphiQL works offline: docs, a query with the Authorization header, a subscription", async (t) => {
  t.after(async () => {
    // What the page shows at the end (after a failure: where it stopped), for the developer.
    if (!browser) return;
    await browser.page.screenshot({ path: join(screenshots, "graphiql-last.png") });
    console.log(JSON.stringify(browser.record));
  });
  const { groups } = { groups: (await graphql(gateway, "{ serverGroups { id } }")).serverGroups };
  const { createMeeting } = await graphql(
    gateway,
    "mutation($input: CreateMeetingInput!) { createMeeting(input: $input) { id guid } }",
    { input: { groupId: groups[0].id, name: "GraphiQL meeting" } },
  );
  await graphql(gateway, "mutation($id: ID!) { startMeeting(id: $id) { id } }", {
    id: createMeeting.id,
  });

  browser = await launchBrowser();
  const { page, record } = browser;
  const response = await page.goto(`${gateway.url}/graphiql`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-security-policy"], /script-src 'self'/);
  await page.waitForSelector(".graphiql-container .graphiql-query-editor .CodeMirror");

  // The headers editor: open its tab, put the JWT in.
  const opened = await page.evaluate(() => {
    const tab = [...document.querySelectorAll(".graphiql-editor-tools button")].find(
      (button) => button.textContent.trim() === "Headers",
    );
    tab?.click();
    return Boolean(tab);
  });
  assert.ok(opened, "GraphiQL has a Headers tab");
  await page.waitForSelector(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror");
  await setHeaders(page, JSON.stringify({ Authorization: `Bearer ${gateway.jwt}` }));

  await setQuery(page, "query Viewer {\n  viewer { username displayName }\n  meetings { nodes { name } }\n}\n");
  await page.click(".graphiql-execute-button");
  await waitForText(page, ".result-window", '"username": "admin"');
  await waitForText(page, ".result-window", "GraphiQL meeting");
  await page.screenshot({ path: join(screenshots, "graphiql-query.png") });

  // The schema docs (from introspection through the same fetcher).
  await page.click('button[aria-label="Show Documentation Explorer"]');
  await waitForText(page, ".graphiql-doc-explorer", "Root Types");
  await page.evaluate(() => {
    const link = [...document.querySelectorAll(".graphiql-doc-explorer a")].find(
      (anchor) => anchor.textContent === "Subscription",
    );
    link?.click();
  });
  await waitForText(page, ".graphiql-doc-explorer", "meetingEvents");
  await page.screenshot({ path: join(screenshots, "graphiql-docs.png") });

  // A subscription over /graphql/ws, the token going in connection_init.
  await setQuery(
    page,
    `subscription Events {\n  meetingEvents(id: "${createMeeting.id}") {\n    kind\n    attendee { fullName role }\n  }\n}\n`,
  );
  await page.click(".graphiql-execute-button");
  await waitForText(page, ".result-window", "STARTED");
  await addAttendee(gateway, createMeeting.guid);
  await waitForText(page, ".result-window", "PARTICIPANT_JOINED");
  await page.screenshot({ path: join(screenshots, "graphiql-subscription.png") });

  assert.deepEqual(record.offLoopback, []);
  assert.deepEqual(record.cspViolations, []);
  assert.deepEqual(record.consoleErrors, []);
});
