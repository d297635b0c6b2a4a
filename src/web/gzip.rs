//! A page whose large middle is kept compressed. A gzip stream is a sequence of deflate blocks; a
//! block sequence ended by a sync flush stops on a byte boundary and refers to nothing outside
//! itself, so a kept, compressed middle can be sent between a head and a tail compressed per
//! request (the parts that name the user and carry their CSRF token), as one valid gzip member.
//! The checksum of the whole is combined from the parts'. Only the few kilobytes around the
//! middle are compressed per request.

use axum::http::{HeaderMap, header};
use bytes::{Bytes, BytesMut};
use crc32fast::Hasher;
use flate2::{Compress, Compression, FlushCompress};

/// A part of a page, compressed as raw deflate blocks ending on a byte boundary.
#[derive(Clone)]
pub struct Compressed {
    deflate: Bytes,
    crc: Hasher,
    length: usize,
}

impl Compressed {
    pub fn new(plain: &[u8]) -> Compressed {
        Compressed::with(plain, FlushCompress::Sync)
    }

    fn with(plain: &[u8], flush: FlushCompress) -> Compressed {
        let mut crc = Hasher::new();
        crc.update(plain);
        Compressed {
            deflate: deflate(plain, flush),
            crc,
            length: plain.len(),
        }
    }

    /// What it costs in memory.
    pub fn bytes(&self) -> usize {
        self.deflate.len()
    }
}

/// Raw deflate of `plain`, ending as `flush` says.
fn deflate(plain: &[u8], flush: FlushCompress) -> Bytes {
    let mut compress = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(plain.len() / 4 + 64);
    loop {
        let consumed = usize::try_from(compress.total_in()).unwrap_or(usize::MAX);
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(1024));
        }
        let status = compress
            .compress_vec(&plain[consumed.min(plain.len())..], &mut out, flush)
            .expect("deflating into memory cannot fail");
        let done = usize::try_from(compress.total_in()).unwrap_or(usize::MAX) >= plain.len();
        // Finished (Finish), or all input taken with room left over (Sync has flushed).
        if status == flate2::Status::StreamEnd
            || (done && flush == FlushCompress::Sync && out.capacity() > out.len())
        {
            break;
        }
    }
    Bytes::from(out)
}

/// One gzip member: `head`, the kept `middle`, then `tail`.
pub fn page(head: &[u8], middle: &Compressed, tail: &[u8]) -> Bytes {
    let head = Compressed::with(head, FlushCompress::Sync);
    let tail = Compressed::with(tail, FlushCompress::Finish);
    let mut crc = head.crc.clone();
    crc.combine(&middle.crc);
    crc.combine(&tail.crc);
    let length = head.length + middle.length + tail.length;
    // ID1 ID2 CM FLG MTIME(4) XFL OS: deflate, no name, no time, unknown system.
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut out =
        BytesMut::with_capacity(HEADER.len() + head.bytes() + middle.bytes() + tail.bytes() + 8);
    out.extend_from_slice(&HEADER);
    out.extend_from_slice(&head.deflate);
    out.extend_from_slice(&middle.deflate);
    out.extend_from_slice(&tail.deflate);
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE is the length modulo 2^32.
    out.extend_from_slice(&(length as u32).to_le_bytes());
    out.freeze()
}

/// Whether the client takes gzip (and has not refused it with q=0).
pub fn accepted(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused =
                parts.any(|p| p.replace(' ', "") == "q=0" || p.replace(' ', "") == "q=0.0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .expect("a valid gzip member");
        text
    }

    #[test]
    fn a_kept_middle_between_fresh_parts_is_one_valid_gzip_member() {
        let middle: String = (0..20_000)
            .map(|i| format!("<tr><td>{i}</td></tr>"))
            .collect();
        let kept = Compressed::new(middle.as_bytes());
        assert!(kept.bytes() < middle.len() / 4, "it is compressed");
        for (head, tail) in [("<html>người dùng A", "</html>"), ("", ""), ("x", "")] {
            let page = page(head.as_bytes(), &kept, tail.as_bytes());
            assert_eq!(gunzip(&page), format!("{head}{middle}{tail}"));
        }
    }

    #[test]
    fn the_empty_page_and_incompressible_bytes_survive() {
        let kept = Compressed::new(b"");
        assert_eq!(gunzip(&page(b"", &kept, b"")), "");
        let noise: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        let noise: String = noise.iter().map(|b| char::from(b'a' + b % 26)).collect();
        let kept = Compressed::new(noise.as_bytes());
        assert_eq!(gunzip(&page(b"a", &kept, b"b")), format!("a{noise}b"));
    }

    #[test]
    fn gzip_is_sent_only_to_those_who_take_it() {
        let headers = |value: &str| {
            let mut map = HeaderMap::new();
            map.insert(header::ACCEPT_ENCODING, value.parse().unwrap());
            map
        };
        assert!(accepted(&headers("gzip, deflate, br")));
        assert!(accepted(&headers("br;q=1.0, gzip;q=0.8")));
        assert!(!accepted(&headers("gzip;q=0")));
        assert!(!accepted(&headers("br")));
        assert!(!accepted(&HeaderMap::new()));
    }
}
