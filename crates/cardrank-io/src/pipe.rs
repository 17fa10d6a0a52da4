//! Decompression on a helper thread.
//!
//! Inflating gzip or zstd costs about as much as parsing the CSV, so a
//! compressed input is decoded on its own thread and handed over in chunks
//! through a small bounded channel: the parser and the decoder then run side
//! by side. Dropping the reader ends the thread at its next chunk.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TryRecvError};
use std::thread;

/// Bytes per chunk handed over.
const CHUNK_BYTES: usize = 1 << 18;

/// Chunks in flight between the threads.
const CHUNKS_IN_FLIGHT: usize = 4;

/// The reading end of a decoder running on its own thread.
pub(crate) struct Pipe {
    chunks: Receiver<io::Result<Vec<u8>>>,
    spare: Sender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
}

/// Starts `inner` on a helper thread; if no thread can be started, returns
/// `inner` as it is (decoding then happens on the caller's thread).
pub(crate) fn spawn(inner: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
    let (chunk_tx, chunk_rx) = mpsc::sync_channel(CHUNKS_IN_FLIGHT);
    let (spare_tx, spare_rx) = mpsc::channel();
    let started = thread::Builder::new()
        .name("cardrank-io-decode".into())
        .spawn(move || decode_loop(inner, &chunk_tx, &spare_rx));
    match started {
        Ok(_) => Box::new(Pipe {
            chunks: chunk_rx,
            spare: spare_tx,
            current: Vec::new(),
            pos: 0,
        }),
        // `inner` moved into the closure that failed to start; there is no
        // way to get it back, so report the failure through the stream.
        Err(e) => Box::new(Failed(Some(e))),
    }
}

/// The helper thread: fill chunks until end of stream or error.
fn decode_loop(
    mut inner: Box<dyn Read + Send>,
    chunks: &SyncSender<io::Result<Vec<u8>>>,
    spare: &Receiver<Vec<u8>>,
) {
    loop {
        let mut buf = match spare.try_recv() {
            Ok(b) => b,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                Vec::with_capacity(CHUNK_BYTES)
            }
        };
        buf.clear();
        buf.resize(CHUNK_BYTES, 0);
        let mut filled = 0;
        let mut failure = None;
        while filled < buf.len() {
            match inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let at_end = filled < buf.len();
        buf.truncate(filled);
        if filled > 0 && chunks.send(Ok(buf)).is_err() {
            return; // The reader was dropped.
        }
        if let Some(e) = failure {
            let _ = chunks.send(Err(e));
            return;
        }
        if at_end {
            return; // Dropping the sender signals the end of the stream.
        }
    }
}

impl Read for Pipe {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.current.len() {
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    let old = std::mem::replace(&mut self.current, chunk);
                    let _ = self.spare.send(old);
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.current.len() - self.pos);
        out[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A stream whose helper thread could not be started.
struct Failed(Option<io::Error>);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(io::Error::new(
                e.kind(),
                format!("cannot start a decoding thread: {e}"),
            )),
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_passes_all_bytes_then_end() {
        let data: Vec<u8> = (0..(3 * CHUNK_BYTES + 123))
            .map(|i| (i % 251) as u8)
            .collect();
        let mut pipe = spawn(Box::new(io::Cursor::new(data.clone())));
        let mut out = Vec::new();
        pipe.read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
        assert_eq!(pipe.read(&mut [0u8; 8]).unwrap(), 0);
    }

    #[test]
    fn pipe_passes_errors_after_data() {
        struct Half(u8);
        impl Read for Half {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"));
                }
                self.0 -= 1;
                buf[0] = b'x';
                Ok(1)
            }
        }
        let mut pipe = spawn(Box::new(Half(3)));
        let mut out = Vec::new();
        let err = pipe.read_to_end(&mut out).unwrap_err();
        assert_eq!(err.to_string(), "cut");
        assert_eq!(out, b"xxx");
    }

    #[test]
    fn dropping_the_reader_ends_the_thread() {
        let pipe = spawn(Box::new(io::repeat(b'a')));
        drop(pipe); // Must not hang: the thread sees the closed channel.
    }
}
