//! # bosso-token (work in progress)
#![forbid(unsafe_code)]

mod error;
mod id;
mod time;

pub use error::Error;
pub use id::{Audience, ChatId, KeyId, MAX_ID_LEN, MAX_KEY_ID_LEN, Permission, SessionId, TokenId, UserId};
pub use time::{Clock, ManualClock, SystemClock, UnixTime};
