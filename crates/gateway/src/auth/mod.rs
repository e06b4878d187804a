//! Who is calling: password hashing for local users, issuing and verifying JWTs, and turning a
//! request's bearer token into its [`Viewer`].

mod password;
mod throttle;
mod token;
mod viewer;

pub use password::{hash_password, verify_against_nothing, verify_password};
pub(crate) use throttle::{ClientKey, FailureCounter};
pub use throttle::{LoginAttempt, LoginThrottle};
pub use token::{IssuedToken, ProfileClaims, TokenIssuer, TokenSubject, TokenVerifier};
pub use viewer::{Viewer, authenticate, authenticate_until};
