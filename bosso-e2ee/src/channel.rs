//! Secure-mode transport: an established channel that seals and opens data frames.
//!
//! Only [`crate::handshake`] creates a [`Channel`], after both Noise NK messages and (on the
//! daemon) the client's key confirmation; so no application data exists before that point.

use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::symmetric::{CipherState, HASH_LEN, TAG_LEN};
use crate::wire::{self, Limits, RecordType};

/// The Noise handshake hash `h` after the handshake: a value both ends share and no third party
/// can choose, to bind credentials (e.g. an attach token) to this one channel.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ChannelBinding([u8; HASH_LEN]);

impl ChannelBinding {
    /// The 32 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for ChannelBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChannelBinding(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// One direction: its cipher and the usage since the last rekey.
#[cfg_attr(fuzzing, derive(Clone))]
struct Direction {
    cipher: CipherState,
    messages: u64,
    bytes: u64,
}

impl Direction {
    fn new(cipher: CipherState) -> Self {
        Self {
            cipher,
            messages: 0,
            bytes: 0,
        }
    }

    /// Counts one message and rekeys at the bound. Both ends count the same frames, so they
    /// rekey at the same point without any message saying so.
    fn account(&mut self, wire_len: usize, limits: &Limits) -> Result<()> {
        self.messages = self.messages.saturating_add(1);
        self.bytes = self
            .bytes
            .saturating_add(u64::try_from(wire_len).unwrap_or(u64::MAX));
        if self.messages >= limits.rekey_after_messages()
            || self.bytes >= limits.rekey_after_bytes()
        {
            self.cipher.rekey()?;
            self.messages = 0;
            self.bytes = 0;
        }
        Ok(())
    }
}

/// An established secure channel (one end). `seal` produces frames for the peer, `open`
/// accepts the peer's frames strictly in order. Any error from `open` closes the channel.
// Fuzz builds only: a cloned channel or handshake would reuse nonces, so no real build has it.
#[cfg_attr(fuzzing, derive(Clone))]
pub struct Channel {
    send: Direction,
    recv: Direction,
    binding: ChannelBinding,
    limits: Limits,
    closed: bool,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("binding", &self.binding)
            .field("closed", &self.closed)
            .field("keys", &"<redacted>")
            .finish()
    }
}

impl Channel {
    pub(crate) fn new(
        send: CipherState,
        recv: CipherState,
        mut h: [u8; HASH_LEN],
        limits: Limits,
    ) -> Self {
        let binding = ChannelBinding(h);
        h.zeroize();
        Self {
            send: Direction::new(send),
            recv: Direction::new(recv),
            binding,
            limits,
            closed: false,
        }
    }

    /// The channel-binding value (Noise handshake hash), identical on both ends.
    #[must_use]
    pub const fn channel_binding(&self) -> ChannelBinding {
        self.binding
    }

    /// Whether the channel refuses further frames.
    #[must_use]
    pub const fn is_closed(&self) -> bool {
        self.closed
    }

    /// Closes the channel (a socket adapter's transport failed or was cut).
    #[cfg(any(feature = "tokio-tungstenite", feature = "axum"))]
    pub(crate) fn abort(&mut self) {
        self.closed = true;
    }

    /// Encrypts one application message into a binary frame.
    pub fn seal(&mut self, payload: &[u8]) -> Result<Vec<u8>> {
        self.seal_record(RecordType::App, payload)
    }

    /// Produces an authenticated close frame and closes this end: the peer can tell a clean end
    /// of stream from a relay that truncates it.
    pub fn seal_close(&mut self) -> Result<Vec<u8>> {
        let frame = self.seal_record(RecordType::Close, &[]);
        self.closed = true;
        frame
    }

    pub(crate) fn seal_record(&mut self, ty: RecordType, payload: &[u8]) -> Result<Vec<u8>> {
        if self.closed {
            return Err(Error::ChannelClosed);
        }
        if payload.len() > self.limits.max_payload_len() {
            return Err(Error::FrameTooLarge {
                len: payload.len(),
                max: self.limits.max_payload_len(),
            });
        }
        // header || payload || record type || tag, encrypted in place: one allocation.
        let mut frame = Vec::with_capacity(wire::HEADER_LEN + payload.len() + 1 + TAG_LEN);
        frame.extend_from_slice(&[wire::VERSION, wire::KIND_DATA]);
        frame.extend_from_slice(payload);
        frame.push(ty as u8);
        let body = frame.get_mut(wire::HEADER_LEN..).ok_or(Error::Internal)?;
        let tag = match self.send.cipher.seal_in_place(&[], body) {
            Ok(tag) => tag,
            Err(e) => {
                self.closed = true;
                return Err(e);
            }
        };
        frame.extend_from_slice(tag.as_ref());
        let wire_len = frame.len() - wire::HEADER_LEN;
        self.send.account(wire_len, &self.limits)?;
        Ok(frame)
    }

    /// Authenticates and decrypts the peer's next application frame.
    ///
    /// Rejected (and the channel closed): tampered, truncated, replayed, reordered,
    /// dropped-then-resumed or reflected frames, oversize frames, a handshake message on the open
    /// channel, an unknown version. An authenticated close from the peer gives
    /// [`Error::ClosedByPeer`].
    pub fn open(&mut self, frame: &[u8]) -> Result<Vec<u8>> {
        let (ty, body) = self.open_record(frame)?;
        match ty {
            RecordType::App => Ok(body),
            RecordType::Close => {
                self.closed = true;
                Err(Error::ClosedByPeer)
            }
            RecordType::Confirm => {
                self.closed = true;
                Err(Error::UnexpectedFrame(
                    "key confirmation on an open channel",
                ))
            }
        }
    }

    /// [`Channel::open`] without copying: decrypts inside `frame` (which is overwritten) and
    /// returns the application payload as a sub-slice of it. Same checks, same closing rules.
    pub fn open_in_place<'f>(&mut self, frame: &'f mut [u8]) -> Result<&'f [u8]> {
        let (ty, body) = self.open_record_in_place(frame)?;
        match ty {
            RecordType::App => Ok(body),
            RecordType::Close => {
                self.closed = true;
                Err(Error::ClosedByPeer)
            }
            RecordType::Confirm => {
                self.closed = true;
                Err(Error::UnexpectedFrame(
                    "key confirmation on an open channel",
                ))
            }
        }
    }

    pub(crate) fn open_record(&mut self, frame: &[u8]) -> Result<(RecordType, Vec<u8>)> {
        let mut buf = frame.to_vec();
        let (ty, body) = self.open_record_in_place(&mut buf)?;
        let len = body.len();
        // The body starts after the 2-byte header: move it to the front once.
        buf.copy_within(wire::HEADER_LEN..wire::HEADER_LEN + len, 0);
        buf.truncate(len);
        Ok((ty, buf))
    }

    fn open_record_in_place<'f>(&mut self, frame: &'f mut [u8]) -> Result<(RecordType, &'f [u8])> {
        if self.closed {
            return Err(Error::ChannelClosed);
        }
        let result = self.open_record_inner(frame);
        if result.is_err() {
            self.closed = true;
        }
        result
    }

    fn open_record_inner<'f>(&mut self, frame: &'f mut [u8]) -> Result<(RecordType, &'f [u8])> {
        let ciphertext_len = wire::split_data_frame(frame)?.len();
        let max_wire = self.limits.max_ciphertext_len();
        if ciphertext_len > max_wire {
            return Err(Error::FrameTooLarge {
                len: ciphertext_len,
                max: max_wire,
            });
        }
        if ciphertext_len < 1 + TAG_LEN {
            return Err(Error::MalformedFrame(
                "data frame shorter than record type and tag",
            ));
        }
        let ciphertext = frame.get_mut(wire::HEADER_LEN..).ok_or(Error::Internal)?;
        let len = self.recv.cipher.open_in_place(&[], ciphertext)?;
        let plaintext = ciphertext.get(..len).ok_or(Error::Internal)?;
        let (ty, body) = plaintext
            .split_last()
            .ok_or(Error::MalformedFrame("empty record"))?;
        let ty = RecordType::from_byte(*ty).ok_or(Error::MalformedFrame("unknown record type"))?;
        self.recv.account(ciphertext_len, &self.limits)?;
        Ok((ty, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::MAX_PAYLOAD_LEN;

    const C2D: [u8; HASH_LEN] = [1; HASH_LEN];
    const D2C: [u8; HASH_LEN] = [2; HASH_LEN];
    const PAYLOAD: &[u8] = b"0123456789";
    /// Ciphertext bytes of one record carrying PAYLOAD: payload, record type, tag.
    const WIRE_LEN: u64 = 10 + 1 + 16;

    /// Client and daemon ends over fixed keys, with the client's send counter at `c2d_n`.
    fn pair(limits: Limits, c2d_n: u64) -> (Channel, Channel) {
        let client = Channel::new(
            CipherState::with_counter(&C2D, c2d_n).unwrap(),
            CipherState::new(&D2C).unwrap(),
            [0; HASH_LEN],
            limits,
        );
        let daemon = Channel::new(
            CipherState::new(&D2C).unwrap(),
            CipherState::with_counter(&C2D, c2d_n).unwrap(),
            [0; HASH_LEN],
            limits,
        );
        (client, daemon)
    }

    /// `count` application frames of PAYLOAD under the bare Noise cipher, calling `Rekey()`
    /// by hand before the records listed in `rekey_before`: the expected bytes, computed
    /// without the channel's accounting.
    fn reference(count: usize, rekey_before: &[usize]) -> Vec<Vec<u8>> {
        let mut cs = CipherState::new(&C2D).unwrap();
        (0..count)
            .map(|i| {
                if rekey_before.contains(&i) {
                    cs.rekey().unwrap();
                }
                let mut body = PAYLOAD.to_vec();
                body.push(RecordType::App as u8);
                let tag = cs.seal_in_place(&[], &mut body).unwrap();
                let mut frame = vec![wire::VERSION, wire::KIND_DATA];
                frame.extend_from_slice(&body);
                frame.extend_from_slice(tag.as_ref());
                frame
            })
            .collect()
    }

    fn check_rekeys(limits: Limits, rekey_before: &[usize]) {
        let (mut client, mut daemon) = pair(limits, 0);
        for (i, expected) in reference(8, rekey_before).iter().enumerate() {
            let frame = client.seal(PAYLOAD).unwrap();
            assert_eq!(&frame, expected, "record {i}, limits {limits:?}");
            assert_eq!(daemon.open(&frame).unwrap(), PAYLOAD, "record {i}");
        }
    }

    #[test]
    fn rekey_happens_exactly_after_the_message_bound() {
        // After records 3 and 6 (counting the record just sent), not one earlier or later.
        check_rekeys(Limits::new(MAX_PAYLOAD_LEN, 3, 1 << 30).unwrap(), &[3, 6]);
        check_rekeys(
            Limits::new(MAX_PAYLOAD_LEN, 1, 1 << 30).unwrap(),
            &[1, 2, 3, 4, 5, 6, 7],
        );
    }

    #[test]
    fn rekey_happens_exactly_after_the_byte_bound() {
        // Reaching the bound exactly rekeys; one byte short waits for the next record.
        check_rekeys(
            Limits::new(MAX_PAYLOAD_LEN, 1 << 16, 2 * WIRE_LEN).unwrap(),
            &[2, 4, 6],
        );
        check_rekeys(
            Limits::new(MAX_PAYLOAD_LEN, 1 << 16, 2 * WIRE_LEN + 1).unwrap(),
            &[3, 6],
        );
        check_rekeys(
            Limits::new(MAX_PAYLOAD_LEN, 1 << 16, 2 * WIRE_LEN - 1).unwrap(),
            &[2, 4, 6],
        );
    }

    #[test]
    fn default_limits_do_not_rekey_early() {
        check_rekeys(Limits::default(), &[]);
    }

    #[test]
    fn an_exhausted_counter_closes_the_channel_on_both_ends() {
        let (mut client, mut daemon) = pair(Limits::default(), u64::MAX - 1);
        let last = client.seal(PAYLOAD).unwrap();
        assert!(!client.is_closed());
        assert!(matches!(client.seal(PAYLOAD), Err(Error::CounterExhausted)));
        assert!(client.is_closed());
        assert_eq!(daemon.open(&last).unwrap(), PAYLOAD);
        assert!(!daemon.is_closed());
        assert!(matches!(daemon.open(&last), Err(Error::CounterExhausted)));
        assert!(daemon.is_closed());
    }
}
