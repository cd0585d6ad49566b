//! Per-user delivery routes of the hub: a delivery for user U wakes only U's open
//! subscriptions, so the cost of one notification does not grow with the number of
//! subscribers (a broadcast to every socket would wake 10,000 tasks per invitation).

use foldhash::HashMap;
use futures_channel::mpsc;
use futures_util::{Stream, StreamExt};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use uuid::Uuid;

/// Deliveries a subscription may have waiting before further ones to it are dropped
/// (a client that stopped reading; it re-reads `pendingInvitations` when it returns).
const QUEUE: usize = 256;

/// A futures channel, not tokio's: tokio's allocates its channel cache-padded and a block
/// of 32 items when it opens, which an idle subscription pays for as long as it stays
/// open (about 0.6 KB more).
type Senders<T> = Vec<(u64, mpsc::Sender<T>)>;

pub struct Routes<T> {
    next: AtomicU64,
    open: AtomicUsize,
    dropped: AtomicU64,
    by_user: Mutex<HashMap<Uuid, Senders<T>>>,
}

impl<T: Clone> Routes<T> {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            next: AtomicU64::new(0),
            open: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            by_user: Mutex::default(),
        })
    }

    /// A stream of what is sent to `user` from now on; unregistered when dropped.
    pub fn subscribe(self: &Arc<Self>, user: Uuid) -> Subscription<T> {
        // One sender: a futures channel holds its buffer plus one item per sender.
        let (tx, rx) = mpsc::channel(QUEUE - 1);
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().entry(user).or_default().push((key, tx));
        self.open.fetch_add(1, Ordering::Relaxed);
        Subscription { rx, routes: self.clone(), user, key }
    }

    /// Hands `item` to every open subscription of `user`; none is waited for.
    pub fn send(&self, user: Uuid, item: &T) {
        let mut map = self.lock();
        for (_, tx) in map.get_mut(&user).into_iter().flatten() {
            if tx.try_send(item.clone()).is_err_and(|e| e.is_full()) {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%user, "a subscriber is not reading; a delivery to it was dropped");
            }
        }
    }

    /// Open subscriptions.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Deliveries dropped because their subscriber's queue was full, since start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Senders<T>>> {
        self.by_user.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One subscription's deliveries.
pub struct Subscription<T: Clone> {
    rx: mpsc::Receiver<T>,
    routes: Arc<Routes<T>>,
    user: Uuid,
    key: u64,
}

impl<T: Clone> Stream for Subscription<T> {
    type Item = T;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_next_unpin(cx)
    }
}

impl<T: Clone> Drop for Subscription<T> {
    fn drop(&mut self) {
        let mut map = self.routes.lock();
        if let Some(senders) = map.get_mut(&self.user) {
            senders.retain(|(k, _)| *k != self.key);
            if senders.is_empty() {
                map.remove(&self.user);
            }
        }
        self.routes.open.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn a_delivery_reaches_only_its_users_subscriptions_and_they_unregister() {
        let routes = Routes::<u32>::new();
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let mut a1 = routes.subscribe(alice);
        let mut a2 = routes.subscribe(alice);
        let mut b = routes.subscribe(bob);
        assert_eq!(routes.open(), 3);
        routes.send(alice, &7);
        assert_eq!(a1.next().await, Some(7));
        assert_eq!(a2.next().await, Some(7));
        assert!(futures_util::poll!(b.next()).is_pending());
        drop(a1);
        drop(a2);
        assert_eq!(routes.open(), 1);
        assert!(!routes.lock().contains_key(&alice));
        routes.send(alice, &8);
        routes.send(bob, &9);
        assert_eq!(b.next().await, Some(9));
    }

    #[tokio::test]
    async fn a_subscriber_that_stops_reading_loses_only_its_own_overflow() {
        let routes = Routes::<usize>::new();
        let (slow, fast) = (Uuid::now_v7(), Uuid::now_v7());
        let _slow = routes.subscribe(slow);
        let mut f = routes.subscribe(fast);
        for i in 0..QUEUE + 10 {
            routes.send(slow, &i);
        }
        assert_eq!(routes.dropped(), 10);
        routes.send(fast, &1);
        assert_eq!(f.next().await, Some(1));
    }
}
