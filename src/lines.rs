//! Splitting a task's output into lines, as bytes: invalid UTF-8 is replaced (U+FFFD) and the
//! stream goes on after it, and a line is held in memory up to [`MAX_LINE`] bytes only; the
//! rest of a longer line is counted, dropped and replaced by a marker, so a task that prints
//! hundreds of megabytes without a newline costs no more memory than one that prints a line.

use std::io::Read;

/// The longest line kept, in bytes.
pub const MAX_LINE: usize = 64 * 1024;

/// Bytes in, lines out (without their `\n` or `\r\n`).
#[derive(Debug)]
pub struct Lines {
    buf: Vec<u8>,
    /// Bytes of the current line dropped past the limit.
    dropped: u64,
    max: usize,
}

impl Default for Lines {
    fn default() -> Self {
        Lines::new(MAX_LINE)
    }
}

impl Lines {
    /// A splitter keeping at most `max` bytes of a line.
    pub fn new(max: usize) -> Lines {
        Lines {
            buf: Vec::new(),
            dropped: 0,
            max,
        }
    }

    /// Feeds `bytes`; each complete line goes to `line`.
    pub fn push(&mut self, mut bytes: &[u8], line: &mut dyn FnMut(String)) {
        while !bytes.is_empty() {
            let nl = bytes.iter().position(|b| *b == b'\n');
            let part = &bytes[..nl.unwrap_or(bytes.len())];
            let room = self.max.saturating_sub(self.buf.len());
            let keep = part.len().min(room);
            self.buf.extend_from_slice(&part[..keep]);
            self.dropped += (part.len() - keep) as u64;
            match nl {
                Some(i) => {
                    line(self.take());
                    bytes = &bytes[i + 1..];
                }
                None => break,
            }
        }
    }

    /// The unterminated rest, if any.
    pub fn finish(&mut self, line: &mut dyn FnMut(String)) {
        if !self.buf.is_empty() || self.dropped > 0 {
            line(self.take());
        }
    }

    fn take(&mut self) -> String {
        let mut bytes = std::mem::take(&mut self.buf);
        let mut dropped = std::mem::take(&mut self.dropped);
        if dropped > 0 {
            // Cut at the limit: do not show half a character.
            if let Err(e) = std::str::from_utf8(&bytes) {
                if e.error_len().is_none() {
                    dropped += (bytes.len() - e.valid_up_to()) as u64;
                    bytes.truncate(e.valid_up_to());
                }
            }
        } else if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        let mut s = String::from_utf8_lossy(&bytes).into_owned();
        if dropped > 0 {
            s.push_str(&format!("… [line truncated: {dropped} bytes dropped]"));
        }
        s
    }
}

/// Reads `r` to its end (or first error), passing each line to `line`.
pub fn read_lines(mut r: impl Read, max: usize, line: &mut dyn FnMut(String)) {
    let mut lines = Lines::new(max);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => lines.push(&buf[..n], line),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    lines.finish(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]], max: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut l = Lines::new(max);
        for c in chunks {
            l.push(c, &mut |s| out.push(s));
        }
        l.finish(&mut |s| out.push(s));
        out
    }

    #[test]
    fn invalid_utf8_is_replaced_and_the_stream_goes_on() {
        assert_eq!(
            split(&[b"a\xffb\r\nsecond", b" half\n\xc3", b"\xa9\n"], 100),
            ["a\u{fffd}b", "second half", "é"]
        );
    }

    #[test]
    fn long_lines_are_cut_with_a_marker() {
        assert_eq!(
            split(&[b"0123456789", b"abc\nshort\nxy"], 8),
            ["01234567… [line truncated: 5 bytes dropped]", "short", "xy"]
        );
        // Not half a character: `é` is two bytes, the limit falls between them.
        assert_eq!(
            split(&["abé\n".as_bytes()], 3),
            ["ab… [line truncated: 2 bytes dropped]"]
        );
        // An unterminated over-long rest.
        assert_eq!(
            split(&[b"abcdef"], 2),
            ["ab… [line truncated: 4 bytes dropped]"]
        );
    }

    #[test]
    fn read_lines_reads_to_the_end() {
        let mut out = Vec::new();
        let data = [b"x".repeat(100_000), b"\n\xfe\nend".to_vec()].concat();
        read_lines(&data[..], 1000, &mut |s| out.push(s));
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[0],
            format!(
                "{}… [line truncated: 99000 bytes dropped]",
                "x".repeat(1000)
            )
        );
        assert_eq!(out[1..], ["\u{fffd}", "end"]);
    }
}
