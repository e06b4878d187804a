// What the browser tests share: the real gateway (`bbb-gateway serve --dev`, with its
// simulated BBB servers) in a temporary directory, the example app on another origin, and
// headless Chromium (Debian's, driven by puppeteer-core) whose network is the loopback only.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

export const repository = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
/** Where the screenshots go: a developer looks at them there. */
export const screenshots = join(repository, "target", "browser-screenshots");
mkdirSync(screenshots, { recursive: true });

const gatewayBinary =
  process.env.BBB_GATEWAY_BIN ?? join(repository, "target", "debug", "bbb-gateway");
const chromiumBinary = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

/**
 * A fresh database for one gateway: a SQLite file in its directory, or — when
 * TEST_DATABASE_URL names a PostgreSQL server — a new database there (created with psql).
 */
function createDatabase(directory) {
  const server = process.env.TEST_DATABASE_URL;
  if (!server) {
    return { url: `sqlite://${join(directory, "browser-test.sqlite")}?mode=rwc`, drop() {} };
  }
  const name = `bbb_browser_${process.pid}_${Date.now()}`;
  const psql = (sql) => execFileSync("psql", [server, "-q", "-c", sql], { stdio: "inherit" });
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => psql(`DROP DATABASE ${name} WITH (FORCE)`) };
}

/**
 * Starts `bbb-gateway serve --dev` on a free port of 127.0.0.1 and reads what it prints:
 * its URL, the admin's password and JWT, and the simulated servers' API URLs.
 */
export async function startGateway() {
  const directory = mkdtempSync(join(tmpdir(), "bbb-gateway-browser-"));
  const database = createDatabase(directory);
  const child = spawn(gatewayBinary, ["serve", "--dev", "--listen", "127.0.0.1:0"], {
    cwd: directory,
    env: {
      ...process.env,
      BBB_GATEWAY_DATABASE_URL: database.url,
      BBB_GATEWAY_GRAPHQL__GRAPHIQL_ASSETS: join(repository, "crates/gateway/graphiql/dist"),
      // Events within half a second of BBB, so the test does not wait long.
      BBB_GATEWAY_GRAPHQL__SUBSCRIPTION_POLL_INTERVAL: "500ms",
      BBB_GATEWAY_LOG__LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk) => process.stderr.write(chunk));
  const ready = new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway not ready:\n${output}`)), 120_000);
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const url = output.match(/GraphQL:\s+(http:\/\/\S+)\/graphql\n/);
      const password = output.match(/admin login:\s+admin \/ (\S+)/);
      const jwt = output.match(/Authorization: Bearer (\S+)\n/);
      const servers = output.match(/server group:\s+dev \(([^)]*)\)/);
      if (url && password && jwt && servers) {
        clearTimeout(timer);
        resolvePromise({
          url: url[1],
          password: password[1],
          jwt: jwt[1],
          simulators: servers[1].split(", ").map((api) => new URL(api).origin),
        });
      }
    });
  });
  const gateway = await ready;
  return {
    ...gateway,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((done) => (child.exitCode !== null ? done() : child.once("exit", done)));
      rmSync(directory, { recursive: true, force: true });
      database.drop();
    },
  };
}

/** GraphQL over HTTP from the test itself (setting up what the browser then looks at). */
export async function graphql(gateway, query, variables = {}) {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${gateway.jwt}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/**
 * One simulated attendee joins the BBB meeting `meetingID` on whichever simulator runs it
 * (the simulator's `POST /sim/meetings/{meetingID}/attendees` knob).
 */
export async function addAttendee(gateway, meetingID) {
  for (const simulator of gateway.simulators) {
    const response = await fetch(
      `${simulator}/sim/meetings/${encodeURIComponent(meetingID)}/attendees?count=1`,
      { method: "POST" },
    );
    if (response.ok) return;
  }
  throw new Error(`no simulator runs meeting ${meetingID}`);
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Headless Chromium whose network is the loopback only: host names other than localhost do
 * not resolve, and any request to another host is aborted and recorded in `offLoopback`.
 * Console errors and Content-Security-Policy violations are recorded too.
 */
export async function launchBrowser() {
  const browser = await puppeteer.launch({
    executablePath: chromiumBinary,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
      "--window-size=1400,900",
    ],
    defaultViewport: { width: 1400, height: 900 },
  });
  const page = await browser.newPage();
  const record = { offLoopback: [], consoleErrors: [], cspViolations: [] };
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (["data:", "blob:"].includes(url.protocol) || LOOPBACK.has(url.hostname)) {
      void request.continue();
    } else {
      record.offLoopback.push(request.url());
      void request.abort("blockedbyclient");
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error") record.consoleErrors.push(message.text());
  });
  await page.exposeFunction("__recordCspViolation", (violation) =>
    record.cspViolations.push(violation),
  );
  await page.evaluateOnNewDocument(() => {
    document.addEventListener("securitypolicyviolation", (event) =>
      window.__recordCspViolation(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  return { browser, page, record };
}

/** Waits until the element matching `selector` contains `text`. */
export async function waitForText(page, selector, text, timeout = 30_000) {
  await page.waitForFunction(
    (selector, text) =>
      [...document.querySelectorAll(selector)].some((element) =>
        element.textContent.includes(text),
      ),
    { timeout, polling: 100 },
    selector,
    text,
  );
}
