//! Background work of `serve`: the health poller, run only while this instance leads (see
//! [`election`](crate::election)), until shutdown.

use std::collections::HashMap;

use service::bbb::poller::{self, PollSettings, ServerPoll};
use store::{HealthThresholds, PlacementFilter};
use tokio::sync::watch;

use crate::{app::AppState, election::Election, error::GatewayError};

/// Competes for leadership and polls while leading, until `shutdown` turns true.
pub async fn run(state: AppState, election: Election, mut shutdown: watch::Receiver<bool>) {
    let interval = state.config.poller.interval;
    loop {
        let mut leadership = tokio::select! {
            leadership = election.lead(interval) => leadership,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        tracing::info!("this instance now runs the health poller");
        state.metrics.set_poller_leader(true);
        let stopping = tokio::select! {
            () = poll_forever(&state) => unreachable!("polling never ends by itself"),
            () = leadership.lost(interval) => false,
            _ = shutdown.wait_for(|stop| *stop) => true,
        };
        state.metrics.set_poller_leader(false);
        leadership.resign().await;
        if stopping {
            tracing::info!("health poller stopped");
            return;
        }
        tracing::warn!("this instance no longer runs the health poller");
    }
}

/// Polls every interval until cancelled (leadership lost or shutdown).
async fn poll_forever(state: &AppState) {
    let config = &state.config;
    let settings = PollSettings {
        interval: config.poller.interval,
        request_timeout: config.bbb.request_timeout,
        thresholds: HealthThresholds {
            rise: config.poller.healthy_after,
            fall: config.poller.unhealthy_after,
        },
    };
    poller::run(
        state.store.clone(),
        state.bbb.clone(),
        state.balancer.clone(),
        settings,
        std::future::pending(),
        |polls| async move {
            match attendees_per_token(state, &polls).await {
                Ok(attendees) => state.metrics.set_token_attendees(attendees),
                Err(error) => tracing::warn!(%error, "cannot count attendees per token"),
            }
        },
    )
    .await;
}

/// Attendees of the live meetings each API token created, as this round saw them.
async fn attendees_per_token(
    state: &AppState,
    polls: &[ServerPoll],
) -> Result<HashMap<i64, i64>, GatewayError> {
    let live = state
        .store
        .placements()
        .list(&PlacementFilter {
            live_only: true,
            ..PlacementFilter::default()
        })
        .await?;
    let token_of: HashMap<(i64, &str), i64> = live
        .iter()
        .filter_map(|placement| {
            let token_id = placement.token_id?;
            Some((
                (placement.server_id, placement.bbb_meeting_id.as_str()),
                token_id,
            ))
        })
        .collect();
    let mut per_token = HashMap::new();
    for poll in polls {
        let Ok(meetings) = &poll.outcome else {
            continue;
        };
        for (meeting_id, attendees) in meetings {
            if let Some(token_id) = token_of.get(&(poll.server.id, meeting_id.as_str())) {
                *per_token.entry(*token_id).or_insert(0) += i64::from(*attendees);
            }
        }
    }
    Ok(per_token)
}
