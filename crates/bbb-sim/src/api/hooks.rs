//! The bbb-webhooks API (spec §6): hooks/create, hooks/destroy, hooks/list.

use bbb_client::model::{
    Hook as HookXml, HookCreateResponse, HookDestroyResponse, HookListResponse, Hooks, ReturnCode,
};

use crate::reply::{Failure, Reply};
use crate::request::ApiRequest;
use crate::sim::Sim;
use crate::state::Hook;

pub fn create(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let p = &request.params;
    let callback_url = p.non_empty("callbackURL").ok_or_else(|| {
        Failure::new(
            "missingParamCallbackURL",
            "You must specify a callbackURL in the parameters.",
        )
    })?;
    let meeting_id = p.non_empty("meetingID").map(str::to_owned);
    let mut state = sim.lock();
    if let Some(existing) = state
        .hooks
        .iter()
        .find(|h| h.callback_url == callback_url && h.meeting_id == meeting_id)
    {
        return Ok(Reply::xml(&HookCreateResponse {
            returncode: ReturnCode::Success,
            hook_id: existing.id,
            permanent_hook: None,
            raw_data: None,
            message_key: Some("duplicateWarning".into()),
            message: Some("There is already a hook for this callback URL.".into()),
        }));
    }
    state.next_hook_id += 1;
    let hook = Hook {
        id: state.next_hook_id,
        callback_url: callback_url.to_owned(),
        meeting_id,
        event_ids: p.non_empty("eventID").map(|ids| {
            ids.split(',')
                .map(|id| id.trim().to_owned())
                .filter(|id| !id.is_empty())
                .collect()
        }),
        raw: p
            .get("getRaw")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
    };
    let response = HookCreateResponse {
        returncode: ReturnCode::Success,
        hook_id: hook.id,
        permanent_hook: Some(false),
        raw_data: Some(hook.raw),
        message_key: None,
        message: None,
    };
    state.hooks.push(hook);
    Ok(Reply::xml(&response))
}

pub fn destroy(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let hook_id = request.params.non_empty("hookID").ok_or_else(|| {
        Failure::new(
            "missingParamHookID",
            "You must specify a hookID in the parameters.",
        )
    })?;
    let missing = || Failure::new("destroyMissingHook", "The hook informed was not found.");
    let hook_id: u64 = hook_id.trim().parse().map_err(|_| missing())?;
    let mut state = sim.lock();
    let index = state
        .hooks
        .iter()
        .position(|h| h.id == hook_id)
        .ok_or_else(missing)?;
    state.hooks.remove(index);
    Ok(Reply::xml(&HookDestroyResponse {
        returncode: ReturnCode::Success,
        removed: true,
    }))
}

/// All hooks, or with `meetingID` the global hooks plus that meeting's.
pub fn list(sim: &Sim, request: &ApiRequest) -> Reply {
    let meeting_id = request.params.non_empty("meetingID");
    let state = sim.read();
    let hook = state
        .hooks
        .iter()
        .filter(|h| {
            meeting_id.is_none_or(|m| h.meeting_id.is_none() || h.meeting_id.as_deref() == Some(m))
        })
        .map(|h| HookXml {
            hook_id: h.id,
            callback_url: h.callback_url.clone(),
            meeting_id: h.meeting_id.clone(),
            event_id: h.event_ids.as_ref().map(|ids| ids.join(",")),
            permanent_hook: false,
            raw_data: h.raw,
        })
        .collect();
    Reply::xml(&HookListResponse {
        returncode: ReturnCode::Success,
        hooks: Hooks { hook },
    })
}
