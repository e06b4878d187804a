// The example app, served from another origin than the gateway, in headless Chromium: log in,
// list meetings, create one, start it, get a join link, and see a simulated attendee's
// PARTICIPANT_JOINED arrive over graphql-ws.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { serve } from "../serve.mjs";
import { addAttendee, launchBrowser, screenshots, startGateway, waitForText } from "./support.mjs";

let gateway;
let app;
let browser;

before(async () => {
  gateway = await startGateway();
  app = await serve(0);
});

after(async () => {
  await browser?.browser.close();
  await new Promise((done) => app?.close(done));
  await gateway?.stop();
});

test("the example app works across origins: login, meetings, start, join link, live events", async () => {
  browser = await launchBrowser();
  const { page, record } = browser;
  const appOrigin = `http://127.0.0.1:${app.address().port}`;
  assert.notEqual(appOrigin, new URL(gateway.url).origin);
  await page.goto(`${appOrigin}/?api=${encodeURIComponent(gateway.url)}`);

  await page.type("#login input[name=username]", "admin");
  await page.type("#login input[name=password]", gateway.password);
  await page.click("#login button");
  await waitForText(page, "#viewer", "(admin)");
  await waitForText(page, "#group", "dev");

  await page.type("#create input[name=name]", "Browser test meeting");
  await page.click("#create button");
  await waitForText(page, "#meetings li .name", "Browser test meeting");
  const meeting = await page.$eval("#meetings li:last-child", (row) => ({
    id: row.dataset.id,
    guid: row.dataset.guid,
    name: row.querySelector(".name").textContent,
  }));
  assert.equal(meeting.name, "Browser test meeting");

  const row = `#meetings li[data-id="${meeting.id}"]`;
  await page.click(`${row} .start`);
  await waitForText(page, `${row} .status`, "running on BBB");

  await page.click(`${row} .join`);
  await waitForText(page, "#join-link", "Join as moderator");
  const joinUrl = await page.$eval("#join-link", (link) => link.href);
  assert.match(joinUrl, /\/bigbluebutton\/api\/join\?/);
  assert.ok(joinUrl.includes(`meetingID=${meeting.guid}`), joinUrl);

  await page.click(`${row} .watch`);
  await waitForText(page, "#events li", "STARTED");
  await addAttendee(gateway, meeting.guid);
  await waitForText(page, "#events li.PARTICIPANT_JOINED", "PARTICIPANT_JOINED");

  await page.screenshot({ path: join(screenshots, "spa.png"), fullPage: true });
  assert.equal(await page.$eval("#error", (element) => element.textContent), "");
  assert.deepEqual(record.offLoopback, []);
  assert.deepEqual(record.consoleErrors, []);
});
