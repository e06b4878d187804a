//! Orchestration of BBB servers: choosing a server, recording placements, creating, joining and
//! ending meetings on BBB, loading live state and recordings.
