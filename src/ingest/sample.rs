//! The sample at the head of a decompressed input: what format detection and the
//! framer's choice of framing look at. It is read once when the input opens and
//! then given back as the first bytes of the content, so detection and import see
//! the same bytes however the decompressor cuts its output (a multi-member gzip
//! or a run of zstd frames yields one member or frame per read).

use std::io::{self, BufRead, Read};

use super::framing::{self, MAX_RECORD};

/// The sample holds at least this much content (or all of it)...
pub const SAMPLE: usize = 64 * 1024;

/// ...and, when the content starts a JSON value, that whole first value and what
/// follows it, so that a first record longer than [`SAMPLE`] is seen whole (up to
/// [`MAX_RECORD`], the largest record an import holds).
fn settled(head: &[u8], eof: bool) -> bool {
    eof || head.len() > MAX_RECORD || (head.len() >= SAMPLE && framing::first_value_settled(head))
}

/// A reader whose first [`BufRead::fill_buf`] returns the whole sample.
pub struct Sampled<R> {
    head: Vec<u8>,
    at: usize,
    /// A read error met while sampling, returned once the sample is consumed.
    err: Option<io::Error>,
    inner: R,
}

impl<R: BufRead> Sampled<R> {
    pub fn new(mut inner: R) -> Sampled<R> {
        let mut head = Vec::new();
        let mut err = None;
        let mut eof = false;
        while !settled(&head, eof) {
            match inner.fill_buf() {
                Ok([]) => eof = true,
                Ok(chunk) => {
                    let n = chunk.len();
                    head.extend_from_slice(chunk);
                    inner.consume(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        Sampled {
            head,
            at: 0,
            err,
            inner,
        }
    }
}

impl<R: BufRead> Read for Sampled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(buf.len());
            buf[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Sampled<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at < self.head.len() {
            return Ok(&self.head[self.at..]);
        }
        if !self.head.is_empty() {
            // Consumed: give the memory back (a sample may be a record of many MiB).
            self.head = Vec::new();
            self.at = 0;
        }
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if self.at < self.head.len() {
            self.at = (self.at + amt).min(self.head.len());
        } else {
            self.inner.consume(amt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its content a few bytes per read, as a decompressor
    /// does at member and frame boundaries.
    struct Dribble<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn the_first_fill_holds_the_sample_and_the_content_is_unchanged() {
        let content: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("{{\"n\":{i}}}").into_bytes())
            .collect();
        let mut r = Sampled::new(io::BufReader::new(Dribble {
            data: &content,
            step: 37,
        }));
        assert!(r.fill_buf().expect("fill").len() >= SAMPLE);
        assert_eq!(
            framing::detect(r.fill_buf().expect("fill")),
            framing::Framing::Concatenated
        );
        let mut all = Vec::new();
        r.read_to_end(&mut all).expect("read");
        assert_eq!(all, content);
    }

    #[test]
    fn a_first_value_longer_than_the_sample_is_sampled_whole() {
        let big = format!("{{\"data\":\"{}\"}}", "x".repeat(3 * SAMPLE));
        let content = format!("{big}{{\"n\":2}}");
        let mut r = Sampled::new(content.as_bytes());
        let head = r.fill_buf().expect("fill");
        assert!(head.len() > big.len());
        assert_eq!(framing::detect(head), framing::Framing::Concatenated);
        let lines = format!("{big}\n{{\"n\":2}}\n");
        let mut r = Sampled::new(lines.as_bytes());
        assert_eq!(framing::detect(r.fill_buf().expect("fill")), framing::Framing::Lines);
    }

    #[test]
    fn a_read_error_while_sampling_comes_after_the_bytes_before_it() {
        struct Broken(bool);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(io::Error::other("damaged"));
                }
                buf[..3].copy_from_slice(b"{\"a");
                Ok(3)
            }
        }
        let mut r = Sampled::new(io::BufReader::new(Broken(false)));
        let mut all = Vec::new();
        assert!(r.read_to_end(&mut all).is_err());
        assert_eq!(all, b"{\"a");
    }
}
