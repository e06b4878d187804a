//! The domain services against a real database (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL): every operation allowed for whom the rules allow, denied for the
//! others, and a denied call changes nothing.

mod fixture;
mod grants_and_urls;
mod groups_and_servers;
mod meetings;
mod operator;
mod tokens;
mod users;
