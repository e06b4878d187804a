//! Background work of `serve`: the health poller, run only while this instance leads (see
//! [`election`](crate::election)), until shutdown.

use service::{
    bbb::poller::{self, PollSettings},
    model::HealthThresholds,
};
use tokio::sync::watch;

use crate::{app::AppState, election::Election};

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
            match poller::attendees_per_token(&state.store, &polls).await {
                Ok(attendees) => state.metrics.set_token_attendees(attendees),
                Err(error) => tracing::warn!(
                    error = %service::ErrorChain(&error),
                    "cannot count attendees per token"
                ),
            }
        },
    )
    .await;
}
