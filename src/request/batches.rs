//! When the request's loader batches run: as soon as nothing else of the request can join
//! them, never after a fixed delay.
//!
//! A level of a nested query registers its keys while the request's future is polled:
//! every sibling resolver runs up to its `load_one` in the same poll. `drive` runs the
//! request's future and keeps the batches its loads queue; it starts them only after a poll
//! of the request's future ended with nothing left to do (no resolver woke it again, so
//! every key of the level is in), in the request's own task. A batch therefore holds every
//! key of its level, as with a delay, and costs no timer and no thread hop. A loader used
//! outside `drive` (a subscription's stream) falls back to the configured delay, in a task
//! of its own.

use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// The batches one request's loader queued, shared by its spawner and its driver.
#[derive(Default)]
pub struct Batches {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// A `Driven` runs the batches (else they run in tasks of their own, after the delay).
    driven: bool,
    /// The driver is inside its `poll`: it looks at the queue before it returns.
    polling: bool,
    queued: Vec<BoxFuture<'static, ()>>,
    /// The driver's task, woken when a batch is queued from outside its poll.
    waker: Option<Waker>,
}

impl Batches {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The loader's spawner (`Loads`): queue for the driver, or (undriven) a task that waits
    /// `delay` for the level's other keys, in the current span (the request's id).
    pub fn spawner(self: &Arc<Self>, delay: Duration) -> impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static {
        let batches = self.clone();
        move |batch| {
            let mut state = batches.state();
            if state.driven {
                state.queued.push(batch);
                if !state.polling
                    && let Some(waker) = &state.waker
                {
                    waker.wake_by_ref();
                }
                return;
            }
            drop(state);
            tokio::spawn(tracing::Instrument::in_current_span(async move {
                tokio::time::sleep(delay).await;
                batch.await;
            }));
        }
    }
}

/// Runs `fut` (the execution of one operation) together with the loader batches it queues.
pub fn drive<'a, T>(batches: Arc<Batches>, fut: impl Future<Output = T> + Send + 'a) -> Driven<'a, T> {
    batches.state().driven = true;
    let probe = Arc::new(Probe::default());
    Driven { inner: Box::pin(fut), running: FuturesUnordered::new(), batches, waker: Waker::from(probe.clone()), probe }
}

/// The future of `drive`.
pub struct Driven<'a, T> {
    inner: BoxFuture<'a, T>,
    running: FuturesUnordered<BoxFuture<'static, ()>>,
    batches: Arc<Batches>,
    /// Tells whether the request's future woke itself while it was polled.
    probe: Arc<Probe>,
    waker: Waker,
}

/// The waker handed to the request's future: notes that it was woken, then wakes the task.
#[derive(Default)]
struct Probe {
    woken: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl Wake for Probe {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        if let Some(task) = self.task.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            task.wake_by_ref();
        }
    }
}

impl<T> Future for Driven<'_, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = &mut *self;
        {
            let mut task = this.probe.task.lock().unwrap_or_else(PoisonError::into_inner);
            if !task.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *task = Some(cx.waker().clone());
            }
        }
        {
            let mut state = this.batches.state();
            state.polling = true;
            if !state.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                state.waker = Some(cx.waker().clone());
            }
        }
        this.probe.woken.store(false, Ordering::SeqCst);
        if let Poll::Ready(out) = this.inner.as_mut().poll(&mut Context::from_waker(&this.waker)) {
            this.batches.state().polling = false;
            return Poll::Ready(out);
        }
        // Woken during its own poll, or out of tokio's cooperative budget (a forced yield
        // whose wake tokio defers until this poll returns): more keys may still come, so
        // queued batches wait for the next poll.
        let out_of_budget = !tokio::task::coop::has_budget_remaining();
        if out_of_budget {
            cx.waker().wake_by_ref();
        }
        let settled = !out_of_budget && !this.probe.woken.load(Ordering::SeqCst);
        loop {
            while let Poll::Ready(Some(())) = this.running.poll_next_unpin(cx) {}
            let queued = {
                let mut state = this.batches.state();
                if !settled || state.queued.is_empty() {
                    state.polling = false;
                    break;
                }
                std::mem::take(&mut state.queued)
            };
            this.running.extend(queued);
        }
        Poll::Pending
    }
}

impl<T> Drop for Driven<'_, T> {
    fn drop(&mut self) {
        let queued = {
            let mut state = self.batches.state();
            state.driven = false;
            state.polling = false;
            state.waker = None;
            std::mem::take(&mut state.queued)
        };
        // Dropped outside the lock: nobody waits for them once the operation is gone.
        drop(queued);
    }
}
