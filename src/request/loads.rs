//! The request's loader: the keys one level of a query asks for, per key type, loaded in
//! one batch by `Loader::load` (the `<concept>/loader.rs` implementations), which
//! `batches::drive` starts once nothing else of the level can join it.
//!
//! It does what async-graphql's `DataLoader` did for us (its `Loader` trait stays the
//! interface of the loaders) without its per-key bookkeeping, which the nested reads'
//! profiles showed at about a tenth of orgraph's time: a key there cost a set of its own,
//! a channel, a map of its answer and a copy of its value. Here a key is one entry in its
//! batch's list and one waker slot; a value leaves the batch's map by move (copied only
//! for the second and later askers of the same key). No value is kept after the batch
//! (no cache): a request asking the same key at two levels loads it twice, as before.

use crate::request::Loader;
use foldhash::{HashMap, HashMapExt};
use futures_util::future::BoxFuture;
use std::any::{Any, TypeId};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

type Spawner = Box<dyn Fn(BoxFuture<'static, ()>) + Send + Sync>;

/// One request's batches over the loader `T`.
pub struct Loads<T> {
    shared: Arc<Shared<T>>,
    spawner: Spawner,
    max_batch_size: usize,
}

struct Shared<T> {
    loader: T,
    /// Per key type, the batch still taking keys (an `Option<Arc<Batch<K, …>>>`).
    open: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

type Answer<V, E> = Result<Option<V>, E>;

/// The keys of one batch, in the order they were asked, and then their answers.
struct Batch<K, V, E> {
    state: Mutex<State<K, V, E>>,
}

struct State<K, V, E> {
    keys: Vec<K>,
    wakers: Vec<Option<Waker>>,
    /// Filled when the batch has run, one answer per asker (taken by it).
    answers: Option<Vec<Option<Answer<V, E>>>>,
}

fn lock<S>(m: &Mutex<S>) -> MutexGuard<'_, S> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<K, V, E> Batch<K, V, E> {
    fn state(&self) -> MutexGuard<'_, State<K, V, E>> {
        lock(&self.state)
    }
}

type OpenBatch<K, T> = Option<Arc<Batch<K, <T as Loader<K>>::Value, <T as Loader<K>>::Error>>>;

impl<T: Send + Sync + 'static> Loads<T> {
    /// Batches over `loader`; `spawner` runs a batch (`Batches::spawner`); a batch that
    /// reaches `max_batch_size` keys is closed and the next key starts another.
    pub fn new(loader: T, spawner: impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static, max_batch_size: usize) -> Self {
        let shared = Arc::new(Shared { loader, open: Mutex::default() });
        Self { shared, spawner: Box::new(spawner), max_batch_size }
    }

    /// The value of `key`, loaded with the other keys of its batch.
    pub async fn load_one<K>(&self, key: K) -> Result<Option<T::Value>, T::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K>,
    {
        self.enqueue(key).await
    }

    /// The values of `keys` that exist, each loaded with the other keys of its batch.
    pub async fn load_many<K>(&self, keys: impl IntoIterator<Item = K>) -> Result<HashMap<K, T::Value>, T::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K>,
    {
        let keys: Vec<K> = keys.into_iter().collect();
        let values = futures_util::future::try_join_all(keys.iter().map(|key| self.enqueue(key.clone()))).await?;
        Ok(keys.into_iter().zip(values).filter_map(|(k, v)| v.map(|v| (k, v))).collect())
    }

    /// Adds `key` to the open batch of its type (opening and spawning one if none is);
    /// the wait for its answer.
    fn enqueue<K>(&self, key: K) -> Wait<K, T::Value, T::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K>,
    {
        let mut open = lock(&self.shared.open);
        let slot = open
            .entry(TypeId::of::<K>())
            .or_insert_with(|| Box::new(OpenBatch::<K, T>::None))
            .downcast_mut::<OpenBatch<K, T>>()
            .expect("the open batch of a key type has that type");
        let (batch, fresh) = match slot {
            Some(batch) => (batch.clone(), false),
            None => {
                let batch = Arc::new(Batch { state: Mutex::new(State { keys: Vec::new(), wakers: Vec::new(), answers: None }) });
                *slot = Some(batch.clone());
                (batch, true)
            }
        };
        // Added under the open lock: a batch that starts (and closes, under that lock)
        // takes every key added before.
        let index = {
            let mut state = batch.state();
            state.keys.push(key);
            state.wakers.push(None);
            state.keys.len() - 1
        };
        if index + 1 >= self.max_batch_size {
            *slot = None;
        }
        drop(open);
        if fresh {
            (self.spawner)(Box::pin(run::<K, T>(self.shared.clone(), batch.clone())));
        }
        Wait { batch, index }
    }
}

/// Runs a batch: closes it to new keys, loads its distinct keys in one call, hands each
/// asker its answer and wakes them.
async fn run<K, T>(shared: Arc<Shared<T>>, batch: Arc<Batch<K, T::Value, T::Error>>)
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    T: Loader<K>,
{
    let keys = {
        let mut open = lock(&shared.open);
        if let Some(slot) = open.get_mut(&TypeId::of::<K>()).and_then(|s| s.downcast_mut::<OpenBatch<K, T>>())
            && slot.as_ref().is_some_and(|b| Arc::ptr_eq(b, &batch))
        {
            *slot = None;
        }
        std::mem::take(&mut batch.state().keys)
    };
    // Each distinct key once, in the order first asked; how many askers each has.
    let mut askers: HashMap<K, usize> = HashMap::with_capacity(keys.len());
    let mut distinct = Vec::with_capacity(keys.len());
    for key in &keys {
        let n = askers.entry(key.clone()).or_insert(0);
        if *n == 0 {
            distinct.push(key.clone());
        }
        *n += 1;
    }
    let answers = match shared.loader.load(&distinct).await {
        Ok(mut values) => keys.iter().map(|key| Some(Ok(crate::db::hand_out(&mut values, &mut askers, key)))).collect(),
        Err(e) => keys.iter().map(|_| Some(Err(e.clone()))).collect(),
    };
    let wakers = {
        let mut state = batch.state();
        state.answers = Some(answers);
        std::mem::take(&mut state.wakers)
    };
    for waker in wakers.into_iter().flatten() {
        waker.wake();
    }
}

/// One asker's wait for its answer.
struct Wait<K, V, E> {
    batch: Arc<Batch<K, V, E>>,
    index: usize,
}

impl<K, V, E> Future for Wait<K, V, E> {
    type Output = Answer<V, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.batch.state();
        if let Some(answers) = &mut state.answers {
            return Poll::Ready(answers[self.index].take().expect("an answer is taken once"));
        }
        let waker = &mut state.wakers[self.index];
        if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Batches, drive};
    use futures_util::future::join_all;
    use std::time::Duration;

    /// Answers `k` with `"v{k}"` for keys below 100 (others do not exist), and notes each
    /// call's keys; fails every call when `fail`.
    #[derive(Default)]
    struct Fake {
        calls: Mutex<Vec<Vec<u32>>>,
        fail: bool,
    }

    impl Loader<u32> for Fake {
        type Value = String;
        type Error = Arc<String>;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, String>, Arc<String>> {
            lock(&self.calls).push(keys.to_vec());
            if self.fail {
                return Err(Arc::new("down".into()));
            }
            Ok(keys.iter().filter(|k| **k < 100).map(|k| (*k, format!("v{k}"))).collect())
        }
    }

    async fn ask(fake: Fake, max: usize, keys: &[u32]) -> (Vec<Answer<String, Arc<String>>>, Vec<Vec<u32>>) {
        let batches = Arc::new(Batches::default());
        let loads = Loads::new(fake, batches.spawner(Duration::ZERO), max);
        let answers = drive(batches, join_all(keys.iter().map(|k| loads.load_one(*k)))).await;
        let calls = lock(&loads.shared.loader.calls).clone();
        (answers, calls)
    }

    #[tokio::test]
    async fn one_batch_each_key_once_and_every_asker_answered() {
        let (answers, calls) = ask(Fake::default(), 100, &[2, 1, 2, 300, 1, 2]).await;
        let got: Vec<Option<String>> = answers.into_iter().map(|a| a.expect("answer")).collect();
        let v = |s: &str| Some(s.to_string());
        assert_eq!(got, vec![v("v2"), v("v1"), v("v2"), None, v("v1"), v("v2")]);
        assert_eq!(calls, vec![vec![2, 1, 300]], "one call, distinct keys in the order first asked");
    }

    #[tokio::test]
    async fn a_full_batch_closes_and_the_next_key_opens_another() {
        let (answers, calls) = ask(Fake::default(), 2, &[1, 2, 3]).await;
        assert!(answers.iter().all(|a| a.as_ref().is_ok_and(Option::is_some)));
        assert_eq!(calls, vec![vec![1, 2], vec![3]]);
    }

    #[tokio::test]
    async fn an_error_reaches_every_asker() {
        let (answers, calls) = ask(Fake { fail: true, ..Fake::default() }, 100, &[1, 1, 2]).await;
        assert!(answers.iter().all(|a| a.as_ref().is_err_and(|e| e.as_str() == "down")));
        assert_eq!(calls.len(), 1);
    }

    #[tokio::test]
    async fn load_many_answers_the_keys_that_exist() {
        let batches = Arc::new(Batches::default());
        let loads = Loads::new(Fake::default(), batches.spawner(Duration::ZERO), 100);
        let found = drive(batches, loads.load_many([5, 200, 7])).await.expect("answer");
        assert_eq!(found, HashMap::from_iter([(5, "v5".to_string()), (7, "v7".to_string())]));
    }
}
