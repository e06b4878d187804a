// The example app: log in, list meetings, create one, start it, get a join link and watch
// its live events. The gateway's URL comes from `?api=` (default http://localhost:8080).
import { Api, GraphQLError } from "./api";
import {
  CreateMeetingMutation,
  DashboardQuery,
  JoinMeetingMutation,
  LoginMutation,
  MeetingEventsSubscription,
  StartMeetingMutation,
} from "./operations";
import type { DashboardQuery as Dashboard } from "./gql/graphql";

const api = new Api(new URLSearchParams(location.search).get("api") ?? "http://localhost:8080");

const $ = <T extends HTMLElement>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`missing ${selector}`);
  return element;
};

function element(tag: string, attributes: Record<string, string>, ...children: (Node | string)[]) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function showError(error: unknown): void {
  const message =
    error instanceof GraphQLError
      ? `${error.code ?? "ERROR"}: ${error.message}`
      : error instanceof Error
        ? error.message
        : JSON.stringify(error);
  $("#error").textContent = message;
}

async function run(action: () => Promise<void>): Promise<void> {
  $("#error").textContent = "";
  try {
    await action();
  } catch (error) {
    showError(error);
  }
}

let groupId: string | null = null;
let stopEvents: (() => void) | null = null;

async function refresh(): Promise<void> {
  const dashboard: Dashboard = await api.request(DashboardQuery, {});
  $("#viewer").textContent = dashboard.viewer
    ? `${dashboard.viewer.displayName} (${dashboard.viewer.username})`
    : "anonymous";
  groupId = dashboard.serverGroups[0]?.id ?? null;
  $("#group").textContent = dashboard.serverGroups[0]?.name ?? "no server group";
  const list = $("#meetings");
  list.replaceChildren(
    ...dashboard.meetings.nodes.map((meeting) => {
      const start = element("button", { class: "start", "data-id": meeting.id }, "Start");
      const join = element("button", { class: "join", "data-id": meeting.id }, "Join link");
      const watch = element("button", { class: "watch", "data-id": meeting.id }, "Live events");
      start.addEventListener("click", () => run(() => startMeeting(meeting.id)));
      join.addEventListener("click", () => run(() => joinLink(meeting.id)));
      watch.addEventListener("click", () => watchEvents(meeting.id, meeting.name));
      return element(
        "li",
        { "data-id": meeting.id, "data-guid": meeting.guid },
        element("span", { class: "name" }, meeting.name),
        " ",
        element("span", { class: "status" }, ""),
        " ",
        start,
        join,
        watch,
      );
    }),
  );
  $("#app").hidden = false;
}

function row(id: string): HTMLElement {
  return $(`#meetings li[data-id="${CSS.escape(id)}"]`);
}

async function startMeeting(id: string): Promise<void> {
  const { startMeeting } = await api.request(StartMeetingMutation, { id });
  row(id).querySelector(".status")!.textContent = startMeeting.live ? "running on BBB" : "started";
}

async function joinLink(id: string): Promise<void> {
  const { joinMeeting } = await api.request(JoinMeetingMutation, { id });
  const link = $<HTMLAnchorElement>("#join-link");
  link.href = joinMeeting.url;
  link.textContent = `Join as ${joinMeeting.role.toLowerCase()}`;
}

function watchEvents(id: string, name: string): void {
  stopEvents?.();
  $("#events-title").textContent = `Live events of ${name}`;
  const events = $("#events");
  events.replaceChildren();
  stopEvents = api.subscribe(
    MeetingEventsSubscription,
    { id },
    ({ meetingEvents }) => {
      const who = meetingEvents.attendee
        ? ` ${meetingEvents.attendee.fullName} (${meetingEvents.attendee.role})`
        : "";
      events.append(element("li", { class: meetingEvents.kind }, `${meetingEvents.kind}${who}`));
    },
    showError,
  );
}

$("#login").addEventListener("submit", (event) => {
  event.preventDefault();
  void run(async () => {
    const form = new FormData(event.target as HTMLFormElement);
    const { login } = await api.request(LoginMutation, {
      username: String(form.get("username")),
      password: String(form.get("password")),
    });
    api.setToken(login.token);
    $("#login").hidden = true;
    await refresh();
  });
});

$("#create").addEventListener("submit", (event) => {
  event.preventDefault();
  void run(async () => {
    if (!groupId) throw new Error("no server group to create the meeting in");
    const form = new FormData(event.target as HTMLFormElement);
    await api.request(CreateMeetingMutation, {
      input: { groupId, name: String(form.get("name")) },
    });
    (event.target as HTMLFormElement).reset();
    await refresh();
  });
});
