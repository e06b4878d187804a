//! Calls that feed a running meeting: insertDocument (spec §2.13) and sendChatMessage (§2.14).

use bbb_client::model::{MessageResponse, ReturnCode};

use crate::documents;
use crate::ids::now_millis;
use crate::reply::{Failure, Reply};
use crate::request::ApiRequest;
use crate::sim::Sim;
use crate::state::ChatMessage;
use crate::validate::{self, VALIDATION_ERROR};

const NOT_FOUND: &str = "A meeting with that ID does not exist";

pub fn insert_document(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let meeting_id = validate::meeting_id(&request.params)?;
    // A missing body is ignored by bbb-web; a body that is not XML cannot be used.
    let documents = match &request.xml_body {
        Some(xml) => documents::parse_presentations(xml)
            .ok_or_else(|| Failure::new(VALIDATION_ERROR, "The XML body could not be parsed"))?,
        None => Vec::new(),
    };
    let mut state = sim.lock();
    let meeting = state
        .meetings
        .get_mut(&meeting_id)
        .ok_or_else(|| Failure::new("notFound", NOT_FOUND))?;
    if meeting
        .disabled_features
        .iter()
        .any(|f| f == "presentation")
    {
        return Ok(message(
            ReturnCode::Failed,
            "Presentation feature is disabled, ignoring.",
        ));
    }
    if documents.iter().any(|d| d.current) {
        for document in &mut meeting.documents {
            document.current = false;
        }
    }
    meeting.documents.extend(documents);
    Ok(message(
        ReturnCode::Success,
        "Presentation is being uploaded",
    ))
}

/// `insert-document.ftlx`: returncode, an (empty) messageKey and the message.
fn message(returncode: ReturnCode, text: &str) -> Reply {
    Reply::xml(&MessageResponse {
        returncode,
        message_key: Some(String::new()),
        message: Some(text.into()),
        errors: None,
    })
}

pub fn send_chat_message(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let p = &request.params;
    let meeting_id = validate::meeting_id(p)?;
    let text = p
        .get("message")
        .ok_or_else(|| Failure::new(VALIDATION_ERROR, "You must provide the param message"))?;
    if !(1..=500).contains(&text.chars().count()) {
        return Err(Failure::new(
            VALIDATION_ERROR,
            "Param message must be between 1 and 500 characters",
        ));
    }
    let user_name = p.non_empty("userName").unwrap_or("System");
    if user_name.chars().count() > 255 {
        return Err(Failure::new(
            VALIDATION_ERROR,
            "Param userName must not exceed 255 characters",
        ));
    }
    let mut state = sim.lock();
    let meeting = state
        .meetings
        .get_mut(&meeting_id)
        .ok_or_else(|| Failure::new("notFound", NOT_FOUND))?;
    meeting.chat_messages.push(ChatMessage {
        user_name: user_name.to_owned(),
        message: text.to_owned(),
        time: now_millis(),
    });
    Ok(Reply::xml(&MessageResponse {
        returncode: ReturnCode::Success,
        message_key: Some(String::new()),
        message: Some(String::new()),
        errors: None,
    }))
}
