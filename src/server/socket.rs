//! UDP sockets of the server: binding (SO_REUSEPORT, SO_TIMESTAMPNS) and batched
//! `recvmmsg`/`sendmmsg` through `nix`'s safe wrappers, so this module needs no `unsafe` either.
//! It is one of the two places allowed to bind sockets (the sans-IO guard in clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
use std::os::fd::{AsFd, AsRawFd};

use nix::errno::Errno;
use nix::sys::socket::{ControlMessageOwned, MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg, setsockopt, sockopt};
use nix::sys::time::TimeSpec;
use socket2::{Domain, Protocol, Socket, Type};

/// Datagrams per `recvmmsg`/`sendmmsg` call. 64 is what the ntpload echo reference uses; more
/// does not help on loopback and delays the first reply of a batch.
pub const BATCH: usize = 64;
/// Receive buffer per datagram: an Ethernet MTU. A longer request (MSG_TRUNC) is dropped, as
/// ntpd drops what does not fit its receive buffer.
pub const BUF: usize = 1536;
/// Kernel receive buffer asked for: room for bursts while a worker is busy (the kernel caps it
/// at net.core.rmem_max).
const RCVBUF: usize = 4 << 20;

/// A bound UDP socket of the server (the only UDP socket type outside this module).
#[derive(Debug)]
pub struct NtpSocket(UdpSocket);

impl NtpSocket {
    /// Where it is bound.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    /// Switches to blocking calls that give up after `recv` (receive) and `send` (send), so a
    /// worker thread wakes up now and then to see whether it should stop.
    pub fn set_blocking(&self, recv: std::time::Duration, send: std::time::Duration) -> io::Result<()> {
        self.0.set_nonblocking(false)?;
        self.0.set_read_timeout(Some(recv))?;
        self.0.set_write_timeout(Some(send))
    }
}

impl AsFd for NtpSocket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// Binds a non-blocking UDP socket on `addr` with kernel receive timestamps. With `reuse_port`
/// several sockets (one per worker) share the address and the kernel spreads clients over them.
pub fn bind_udp(addr: SocketAddr, reuse_port: bool) -> io::Result<NtpSocket> {
    let sock = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        // One socket per family, as ntpd: a v6 socket must not also take v4-mapped traffic.
        sock.set_only_v6(true)?;
    }
    sock.set_reuse_address(true)?;
    if reuse_port {
        sock.set_reuse_port(true)?;
    }
    sock.set_nonblocking(true)?;
    // Best effort: unprivileged processes get at most rmem_max.
    let _ = sock.set_recv_buffer_size(RCVBUF);
    setsockopt(&sock, sockopt::ReceiveTimestampns, &true).map_err(io::Error::from)?;
    sock.bind(&addr.into())?;
    Ok(NtpSocket(sock.into()))
}

/// What the kernel told about one received datagram.
#[derive(Debug, Clone, Copy)]
pub struct RecvMeta {
    /// Bytes received.
    pub len: usize,
    /// Sender.
    pub peer: SocketAddr,
    /// Kernel receive time (CLOCK_REALTIME) from SO_TIMESTAMPNS, seconds and nanoseconds.
    pub kernel_rx: Option<(i64, i64)>,
    /// Longer than [`BUF`]: only the start was kept.
    pub truncated: bool,
}

/// Preallocated buffers for one `recvmmsg` call.
pub struct RecvBatch {
    hdrs: MultiHeaders<SockaddrStorage>,
    bufs: Vec<[u8; BUF]>,
    meta: Vec<RecvMeta>,
}

impl Default for RecvBatch {
    fn default() -> Self {
        Self::new()
    }
}

impl RecvBatch {
    /// Buffers for [`BATCH`] datagrams.
    pub fn new() -> Self {
        let cmsg = nix::cmsg_space!(TimeSpec);
        RecvBatch { hdrs: MultiHeaders::preallocate(BATCH, Some(cmsg)), bufs: vec![[0u8; BUF]; BATCH], meta: Vec::with_capacity(BATCH) }
    }

    /// Receives up to [`BATCH`] datagrams without blocking; `WouldBlock` when there are none.
    /// Returns how many the kernel handed over ([`RecvBatch::meta`] lists the usable ones).
    pub fn recv(&mut self, sock: &impl AsFd) -> io::Result<usize> {
        self.recv_flags(sock, MsgFlags::MSG_DONTWAIT)
    }

    /// Blocks (up to the socket's SO_RCVTIMEO, then `WouldBlock`) until at least one datagram
    /// is there, then takes what else is queued, up to [`BATCH`] (MSG_WAITFORONE): one system
    /// call per wake-up.
    pub fn recv_wait(&mut self, sock: &impl AsFd) -> io::Result<usize> {
        self.recv_flags(sock, MsgFlags::MSG_WAITFORONE)
    }

    fn recv_flags(&mut self, sock: &impl AsFd, flags: MsgFlags) -> io::Result<usize> {
        self.meta.clear();
        let mut slices: Vec<[IoSliceMut<'_>; 1]> = self.bufs.iter_mut().map(|b| [IoSliceMut::new(&mut b[..])]).collect();
        let res = recvmmsg(sock.as_fd().as_raw_fd(), &mut self.hdrs, slices.iter_mut(), flags, None).map_err(io::Error::from)?;
        let mut raw = 0;
        for msg in res {
            raw += 1;
            let peer = match msg.address.as_ref().and_then(sockaddr_to_std) {
                Some(p) => p,
                None => continue,
            };
            let mut kernel_rx = None;
            if let Ok(cmsgs) = msg.cmsgs() {
                for c in cmsgs {
                    if let ControlMessageOwned::ScmTimestampns(ts) = c {
                        kernel_rx = Some((ts.tv_sec(), ts.tv_nsec()));
                    }
                }
            }
            let truncated = msg.flags.contains(MsgFlags::MSG_TRUNC);
            self.meta.push(RecvMeta { len: msg.bytes.min(BUF), peer, kernel_rx, truncated });
        }
        Ok(raw)
    }

    /// What was received in the last call, in order.
    pub fn meta(&self) -> &[RecvMeta] {
        &self.meta
    }

    /// The bytes of datagram `i` of the last call.
    pub fn packet(&self, i: usize) -> &[u8] {
        &self.bufs[i][..self.meta[i].len]
    }
}

fn sockaddr_to_std(s: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = s.as_sockaddr_in() {
        return Some(SocketAddr::V4(SocketAddrV4::from(*v4)));
    }
    s.as_sockaddr_in6().map(|v6| SocketAddr::V6(SocketAddrV6::from(*v6)))
}

/// Replies queued for one `sendmmsg` call.
pub struct SendBatch {
    hdrs: MultiHeaders<SockaddrStorage>,
    bufs: Vec<[u8; BUF]>,
    lens: Vec<usize>,
    addrs: Vec<Option<SockaddrStorage>>,
}

impl Default for SendBatch {
    fn default() -> Self {
        Self::new()
    }
}

/// How a [`SendBatch::send`] went.
#[derive(Debug, Default, Clone, Copy)]
pub struct SendOutcome {
    /// Datagrams the kernel took.
    pub sent: usize,
    /// Datagrams dropped because the kernel refused them (the error is per destination, e.g.
    /// EPERM from a firewall, ENETUNREACH).
    pub failed: usize,
}

impl SendBatch {
    /// Room for [`BATCH`] replies.
    pub fn new() -> Self {
        SendBatch {
            hdrs: MultiHeaders::preallocate(BATCH, None),
            bufs: vec![[0u8; BUF]; BATCH],
            lens: Vec::with_capacity(BATCH),
            addrs: Vec::with_capacity(BATCH),
        }
    }

    /// Replies queued.
    pub fn len(&self) -> usize {
        self.lens.len()
    }

    /// Nothing queued.
    pub fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    /// Forgets every queued reply.
    pub fn clear(&mut self) {
        self.lens.clear();
        self.addrs.clear();
    }

    /// The buffer the next reply is written into (queue it with [`SendBatch::push`]).
    pub fn next_buf(&mut self) -> &mut [u8; BUF] {
        let i = self.lens.len();
        &mut self.bufs[i]
    }

    /// Queues the first `len` bytes of [`SendBatch::next_buf`] for `peer`.
    pub fn push(&mut self, len: usize, peer: SocketAddr) {
        self.lens.push(len.min(BUF));
        self.addrs.push(Some(SockaddrStorage::from(peer)));
    }

    /// Sends every queued reply and empties the queue. `WouldBlock` (socket buffer full) leaves
    /// the unsent ones queued: wait until the socket is writable and call again.
    pub fn send(&mut self, sock: &impl AsFd) -> io::Result<SendOutcome> {
        self.send_flags(sock, MsgFlags::MSG_DONTWAIT)
    }

    /// Like [`SendBatch::send`] on a blocking socket: waits for buffer space up to the socket's
    /// SO_SNDTIMEO; what is still unsent then is dropped and counted as failed.
    pub fn send_wait(&mut self, sock: &impl AsFd) -> SendOutcome {
        match self.send_flags(sock, MsgFlags::empty()) {
            Ok(o) if self.is_empty() => o,
            Ok(mut o) => {
                o.failed += self.len();
                self.clear();
                o
            }
            Err(_) => {
                let o = SendOutcome { sent: 0, failed: self.len() };
                self.clear();
                o
            }
        }
    }

    fn send_flags(&mut self, sock: &impl AsFd, flags: MsgFlags) -> io::Result<SendOutcome> {
        let mut out = SendOutcome::default();
        let mut start = 0;
        while start < self.lens.len() {
            let slices: Vec<[IoSlice<'_>; 1]> =
                self.bufs[start..self.lens.len()].iter().zip(&self.lens[start..]).map(|(b, &l)| [IoSlice::new(&b[..l])]).collect();
            let res = sendmmsg(sock.as_fd().as_raw_fd(), &mut self.hdrs, slices.iter(), &self.addrs[start..], [], flags);
            match res {
                Ok(r) => {
                    let n = r.count();
                    if n == 0 {
                        break;
                    }
                    start += n;
                    out.sent += n;
                }
                Err(Errno::EAGAIN) => {
                    self.keep_from(start);
                    return if out.sent + out.failed > 0 { Ok(out) } else { Err(io::ErrorKind::WouldBlock.into()) };
                }
                Err(Errno::EINTR) => continue,
                Err(_) => {
                    // The first remaining datagram was refused; drop it and go on with the rest.
                    start += 1;
                    out.failed += 1;
                }
            }
        }
        self.lens.clear();
        self.addrs.clear();
        Ok(out)
    }

    fn keep_from(&mut self, start: usize) {
        if start == 0 {
            return;
        }
        let n = self.lens.len() - start;
        self.bufs.copy_within(start..start + n, 0);
        self.lens.drain(..start);
        self.addrs.drain(..start);
    }

    /// Sender's view of the local address in a peer's address family (for tests).
    pub fn queued_peer(&self, i: usize) -> Option<SocketAddr> {
        self.addrs.get(i).and_then(|a| a.as_ref()).and_then(sockaddr_to_std)
    }
}

/// Family of the socket address, for messages.
pub fn family(addr: &SocketAddr) -> &'static str {
    if addr.is_ipv4() { "IPv4" } else { "IPv6" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_roundtrip_on_loopback_with_kernel_timestamps() {
        let server = bind_udp("127.0.0.1:0".parse().unwrap(), true).unwrap();
        let saddr = server.local_addr().unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        for i in 0..5u8 {
            client.send_to(&[i; 48], saddr).unwrap();
        }
        let mut rb = RecvBatch::new();
        let mut got = 0;
        for _ in 0..200 {
            match rb.recv(&server) {
                Ok(n) => {
                    for (i, m) in rb.meta().iter().enumerate() {
                        assert_eq!(m.len, 48);
                        assert!(m.kernel_rx.is_some(), "SO_TIMESTAMPNS gives a receive time");
                        assert_eq!(m.peer, client.local_addr().unwrap());
                        assert_eq!(rb.packet(i)[0], (got + i) as u8);
                    }
                    got += n;
                    if got == 5 {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(std::time::Duration::from_millis(5)),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(got, 5);
        let mut sb = SendBatch::new();
        for i in 0..3u8 {
            sb.next_buf()[..4].copy_from_slice(&[i, 1, 2, 3]);
            sb.push(4, client.local_addr().unwrap());
        }
        let out = sb.send(&server).unwrap();
        assert_eq!(out.sent, 3);
        assert!(sb.is_empty());
        client.set_read_timeout(Some(std::time::Duration::from_secs(2))).unwrap();
        let mut buf = [0u8; 16];
        for i in 0..3u8 {
            let (n, from) = client.recv_from(&mut buf).unwrap();
            assert_eq!((n, from, buf[0]), (4, saddr, i));
        }
    }

    #[test]
    fn reuse_port_shares_an_address() {
        let a = bind_udp("127.0.0.1:0".parse().unwrap(), true).unwrap();
        let b = bind_udp(a.local_addr().unwrap(), true).unwrap();
        assert_eq!(a.local_addr().unwrap(), b.local_addr().unwrap());
    }
}
