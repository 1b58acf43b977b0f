//! Login-session and refresh token decoding from arbitrary text.
#![no_main]

use bosso_accounts::{
    login_session::LoginSessionToken, refresh::RefreshToken, token::parse_any_token,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let any = parse_any_token(s).is_ok();
        let session = LoginSessionToken::parse(s);
        let refresh = RefreshToken::parse(s);
        assert_eq!(any, session.is_ok() || refresh.is_ok());
        // A token that parses is exactly the text it came from (canonical encoding).
        if let Ok(t) = session {
            assert_eq!(t.expose(), s);
        }
        if let Ok(t) = refresh {
            assert_eq!(t.expose(), s);
        }
    }
});
