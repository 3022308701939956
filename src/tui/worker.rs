//! Runs the [`Service`] on its own thread: opens the recording (import progress),
//! builds checkpoints, then answers requests. While the user scrubs, requests pile
//! up; only the newest of each kind is answered.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use super::msg::{Loading, Request, Response};
use super::reader::Reader;
use super::service::{info, Service};
use crate::recording::{OpenOptions, OpenProgress, Recording};

/// Progress reports are sent at most this often.
const PROGRESS_MS: u128 = 100;

/// Start the worker; replies go to `notify`. Dropping the returned sender
/// stops it; the handle tells when it has closed the cache.
pub fn spawn(
    opts: OpenOptions,
    notify: impl FnMut(Response) + Send + 'static,
) -> std::io::Result<(Sender<Request>, JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel();
    let handle = thread::Builder::new()
        .name("rewind-worker".into())
        .spawn(move || run(opts, rx, notify))?;
    Ok((tx, handle))
}

fn run(opts: OpenOptions, rx: Receiver<Request>, notify: impl FnMut(Response) + Send + 'static) {
    // Shared with the reader thread, which says when it has appended.
    let shared = Arc::new(Mutex::new(notify));
    let mut notify = {
        let shared = shared.clone();
        move |r: Response| {
            if let Ok(mut n) = shared.lock() {
                n(r);
            }
        }
    };
    let started = Instant::now();
    let mut last = Instant::now();
    let opened = Recording::open(&opts, &mut |p| {
        if last.elapsed().as_millis() < PROGRESS_MS {
            return;
        }
        last = Instant::now();
        if let OpenProgress::Importing { input, progress, size } = p {
            notify(Response::Loading(Loading::Importing {
                input,
                records: progress.records,
                bytes: progress.bytes,
                size,
                seconds: started.elapsed().as_secs_f64(),
            }));
        }
    });
    let (rec, report) = match opened {
        Ok(r) => r,
        Err(e) => {
            notify(Response::Fatal(format!("{e:#}")));
            return;
        }
    };
    notify(Response::Opened(Box::new(info(&rec, &report))));
    let mut service = Service::new(rec);
    if opts.follow {
        let follow = OpenOptions {
            keep_replaced: true,
            ..opts.clone()
        };
        let to_ui = shared.clone();
        match Reader::spawn(follow.clone(), move || {
            if let Ok(mut n) = to_ui.lock() {
                n(Response::Read);
            }
        }) {
            Ok(r) => service.reader = Some(r),
            Err(e) => notify(Response::Error(format!("could not start reading the inputs on: {e}"))),
        }
        service.follow = Some(follow);
    }
    let mut last = Instant::now();
    let prepared = service.prepare(&mut |r| {
        let is_progress = matches!(r, Response::Loading(_));
        if !is_progress || last.elapsed().as_millis() >= PROGRESS_MS {
            last = Instant::now();
            notify(r);
        }
    });
    if let Err(e) = prepared {
        notify(Response::Fatal(format!("{e:#}")));
        return;
    }
    serve(&mut service, &rx, &mut notify);
}

/// Answer requests until the UI hangs up, newest of each kind first.
fn serve(service: &mut Service, rx: &Receiver<Request>, notify: &mut dyn FnMut(Response)) {
    let mut pending: Vec<Option<Request>> = vec![None; Request::KINDS];
    loop {
        if pending.iter().all(Option::is_none) {
            match rx.recv() {
                Ok(r) => put(&mut pending, r),
                Err(_) => return,
            }
        }
        loop {
            match rx.try_recv() {
                Ok(r) => put(&mut pending, r),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        // Lower kinds first: the list and jumps are cheap and move the cursor.
        if let Some(req) = pending.iter_mut().find_map(Option::take) {
            let kind = req.kind();
            let mut hung_up = false;
            // Long work checks between steps whether a newer request of its kind
            // arrived (it makes this one moot); meanwhile arrivals are queued.
            service.handle_until(req, notify, &mut || {
                loop {
                    match rx.try_recv() {
                        Ok(r) => put(&mut pending, r),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => {
                            hung_up = true;
                            break;
                        }
                    }
                }
                hung_up || pending.get(kind).is_some_and(Option::is_some)
            });
            if hung_up {
                return;
            }
        }
    }
}

fn put(pending: &mut [Option<Request>], r: Request) {
    let k = r.kind();
    if let Some(slot) = pending.get_mut(k) {
        *slot = Some(r);
    }
}
