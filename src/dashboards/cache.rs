//! Views drawn once and served to many for a few seconds.
//!
//! Each kept view remembers when it was drawn. A request gets it while it is *fresh*: younger
//! than the request's limit (a few seconds for a dashboard), before the instant its content would
//! change on its own (a unit falling quiet), and drawn after the viewer's own last change, so
//! that people see at once what they have just saved. A view that is no longer fresh is redrawn
//! by one request; the requests that come meanwhile get the kept copy (which says when it was
//! drawn), unless it predates their own last change, in which case they wait for a drawing that
//! started after it. With nothing kept, requests wait for one shared drawing. A failed drawing
//! is not kept. At most `DRAWINGS_AT_ONCE` drawings run at a time, whatever asks for them (the
//! own-change time comes from the browser), and the others wait their turn. Least recently used
//! views go first when the cache outgrows its budget.
//!
//! Nothing here knows about the database: freshness is a matter of time, so a write anywhere in
//! the country costs no drawing until the limit passes, and reading pages costs no write.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::{OnceCell, Semaphore};

/// How many views may be drawn at once: about the processors a drawing keeps busy.
pub const DRAWINGS_AT_ONCE: usize = 2;

/// Something kept in the cache, with what it costs in memory.
pub trait Weight {
    fn bytes(&self) -> usize;
}

/// A drawn value, when it was drawn and until when it holds.
pub struct Drawn<V> {
    pub value: V,
    /// When its drawing started: it shows every change committed before this.
    pub drawn_at: DateTime<Utc>,
    /// The first instant at which the value would be drawn differently with the same data.
    pub valid_until: Option<DateTime<Utc>>,
}

/// What a request accepts.
#[derive(Clone, Copy, Debug)]
pub struct Wanted {
    pub now: DateTime<Utc>,
    /// How old a kept value may be.
    pub max_age: TimeDelta,
    /// The viewer's own last change: a value drawn before it will not do.
    pub drawn_after: Option<DateTime<Utc>>,
}

impl Wanted {
    /// Whether `drawn` may be served as it is.
    pub fn is_fresh<V>(&self, drawn: &Drawn<V>) -> bool {
        self.now - drawn.drawn_at < self.max_age
            && drawn.valid_until.is_none_or(|until| self.now < until)
            && self.shows_own_changes(drawn.drawn_at)
    }

    /// Whether a value drawn (or being drawn) since `drawn_at` shows the viewer's own changes.
    pub fn shows_own_changes(&self, drawn_at: DateTime<Utc>) -> bool {
        self.drawn_after.is_none_or(|change| drawn_at > change)
    }
}

type Pending<V> = Arc<OnceCell<Arc<Drawn<V>>>>;

struct Slot<V> {
    kept: Option<Arc<Drawn<V>>>,
    /// A drawing under way, and when it started.
    drawing: Option<(DateTime<Utc>, Pending<V>)>,
    last_used: u64,
}

pub struct Cache<K, V> {
    slots: Mutex<Slots<K, V>>,
    budget_bytes: usize,
    drawings: Semaphore,
}

struct Slots<K, V> {
    map: HashMap<K, Slot<V>>,
    tick: u64,
}

/// A request's part in a drawing, ended when the request is.
struct Finishing<'a, K: Eq + Hash + Clone, V: Weight> {
    cache: &'a Cache<K, V>,
    key: K,
    pending: Pending<V>,
    drawn: Option<Arc<Drawn<V>>>,
}

impl<K: Eq + Hash + Clone, V: Weight> Drop for Finishing<'_, K, V> {
    fn drop(&mut self) {
        self.cache
            .finish(&self.key, &self.pending, self.drawn.as_ref());
    }
}

/// What one request does.
enum Plan<V> {
    Serve(Arc<Drawn<V>>),
    /// Wait for a drawing, or make it.
    Wait(Pending<V>),
}

impl<K: Eq + Hash + Clone, V: Weight> Cache<K, V> {
    pub fn new(budget_bytes: usize) -> Self {
        Cache {
            slots: Mutex::new(Slots {
                map: HashMap::new(),
                tick: 0,
            }),
            budget_bytes,
            drawings: Semaphore::new(DRAWINGS_AT_ONCE),
        }
    }

    /// The value for `key` as `wanted` accepts it, drawing it with `draw` when needed; a drawing
    /// gives the value and the instant it stops holding, if it knows one.
    pub async fn get<E, F>(&self, key: K, wanted: Wanted, draw: F) -> Result<Arc<Drawn<V>>, E>
    where
        F: Future<Output = Result<(V, Option<DateTime<Utc>>), E>>,
    {
        let pending = match self.plan(&key, wanted) {
            Plan::Serve(drawn) => return Ok(drawn),
            Plan::Wait(pending) => pending,
        };
        // Ends the drawing however this request ends, even dropped half-way.
        let mut finishing = Finishing {
            cache: self,
            key,
            pending,
            drawn: None,
        };
        let drawn = finishing
            .pending
            .clone()
            .get_or_try_init(|| async {
                let _turn = self.drawings.acquire().await.expect("never closed");
                let (value, valid_until) = draw.await?;
                Ok(Arc::new(Drawn {
                    value,
                    drawn_at: wanted.now,
                    valid_until,
                }))
            })
            .await
            .cloned();
        finishing.drawn = drawn.as_ref().ok().cloned();
        drawn
    }

    fn plan(&self, key: &K, wanted: Wanted) -> Plan<V> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.tick += 1;
        let tick = slots.tick;
        let slot = slots.map.entry(key.clone()).or_insert_with(|| Slot {
            kept: None,
            drawing: None,
            last_used: tick,
        });
        slot.last_used = tick;
        if let Some(kept) = &slot.kept {
            if wanted.is_fresh(kept) {
                return Plan::Serve(kept.clone());
            }
            // Stale only by age: served while someone else redraws it.
            if slot.drawing.is_some() && wanted.shows_own_changes(kept.drawn_at) {
                return Plan::Serve(kept.clone());
            }
        }
        if let Some((started, pending)) = &slot.drawing
            && wanted.shows_own_changes(*started)
        {
            return Plan::Wait(pending.clone());
        }
        let pending = Pending::default();
        slot.drawing = Some((wanted.now, pending.clone()));
        Plan::Wait(pending)
    }

    /// Keeps what a drawing produced (unless something newer is kept) and ends it.
    fn finish(&self, key: &K, pending: &Pending<V>, drawn: Option<&Arc<Drawn<V>>>) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let Some(slot) = slots.map.get_mut(key) else {
            return;
        };
        if let Some(drawn) = drawn
            && slot
                .kept
                .as_ref()
                .is_none_or(|kept| kept.drawn_at <= drawn.drawn_at)
        {
            slot.kept = Some(drawn.clone());
        }
        if slot
            .drawing
            .as_ref()
            .is_some_and(|(_, current)| Arc::ptr_eq(current, pending))
        {
            slot.drawing = None;
        }
        if slot.kept.is_none() && slot.drawing.is_none() {
            slots.map.remove(key);
        }
        self.evict(&mut slots);
    }

    /// Drops the least recently used values until what is kept fits the budget.
    fn evict(&self, slots: &mut Slots<K, V>) {
        let weight = |slot: &Slot<V>| slot.kept.as_ref().map_or(0, |d| d.value.bytes());
        let mut used: usize = slots.map.values().map(weight).sum();
        while used > self.budget_bytes {
            let Some(oldest) = slots
                .map
                .iter()
                .filter(|(_, slot)| slot.kept.is_some() && slot.drawing.is_none())
                .min_by_key(|(_, slot)| slot.last_used)
                .map(|(key, _)| key.clone())
            else {
                return;
            };
            if let Some(slot) = slots.map.remove(&oldest) {
                used -= weight(&slot);
            }
        }
    }

    /// How many views are kept or being drawn.
    pub fn len(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    impl Weight for String {
        fn bytes(&self) -> usize {
            self.len()
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    fn wanted(now: i64, own_change: Option<i64>) -> Wanted {
        Wanted {
            now: at(now),
            max_age: TimeDelta::seconds(5),
            drawn_after: own_change.map(at),
        }
    }

    async fn draw(
        drawings: &AtomicUsize,
        text: &str,
    ) -> Result<(String, Option<DateTime<Utc>>), ()> {
        drawings.fetch_add(1, Ordering::SeqCst);
        Ok((text.to_string(), None))
    }

    async fn value(text: &str) -> Result<(String, Option<DateTime<Utc>>), ()> {
        Ok((text.to_string(), None))
    }

    #[tokio::test]
    async fn a_value_is_served_until_it_is_too_old_or_older_than_the_viewers_change() {
        let cache = Cache::new(1_000);
        let drawings = AtomicUsize::new(0);
        let get = |now, own, text| cache.get("k", wanted(now, own), draw(&drawings, text));
        assert_eq!(get(0, None, "a").await.unwrap().value, "a");
        assert_eq!(get(4, None, "b").await.unwrap().value, "a", "still fresh");
        assert_eq!(
            get(4, Some(-1), "b").await.unwrap().value,
            "a",
            "drawn after the viewer's change"
        );
        assert_eq!(
            get(4, Some(2), "c").await.unwrap().value,
            "c",
            "the viewer changed something since: drawn again at once"
        );
        assert_eq!(get(8, None, "d").await.unwrap().value, "c", "4 s old");
        assert_eq!(get(9, None, "e").await.unwrap().value, "e", "5 s old");
        assert_eq!(drawings.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_value_past_its_own_time_is_drawn_again() {
        let cache = Cache::new(1_000);
        let until =
            |text: &'static str| async move { Ok::<_, ()>((text.to_string(), Some(at(2)))) };
        let first = cache.get(1, wanted(0, None), until("a")).await;
        assert_eq!(first.unwrap().value, "a");
        assert_eq!(
            cache
                .get(1, wanted(1, None), until("b"))
                .await
                .unwrap()
                .value,
            "a"
        );
        assert_eq!(
            cache
                .get(1, wanted(2, None), until("c"))
                .await
                .unwrap()
                .value,
            "c",
            "a unit fell quiet"
        );
    }

    #[tokio::test]
    async fn while_one_request_redraws_the_others_get_the_kept_copy() {
        let cache = Arc::new(Cache::new(1_000));
        cache.get(1, wanted(0, None), value("old")).await.unwrap();
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let redrawing = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get(1, wanted(10, None), async {
                        wait.await.unwrap();
                        value("new").await
                    })
                    .await
                    .unwrap()
                    .value
                    .clone()
            })
        };
        tokio::task::yield_now().await;
        while cache.slots.lock().unwrap().map[&1].drawing.is_none() {
            tokio::task::yield_now().await;
        }
        let meanwhile = cache
            .get(1, wanted(11, None), value("never"))
            .await
            .unwrap();
        assert_eq!(meanwhile.value, "old", "no second drawing, no waiting");
        release.send(()).unwrap();
        assert_eq!(redrawing.await.unwrap(), "new");
        let after = cache
            .get(1, wanted(12, None), value("never"))
            .await
            .unwrap();
        assert_eq!(after.value, "new");
    }

    #[tokio::test]
    async fn no_more_views_are_drawn_at_once_than_allowed() {
        let cache = Cache::new(1_000);
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let draw = |text: &'static str| {
            let (running, most) = (&running, &most);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                value(text).await
            }
        };
        // Six views, and a viewer of the first whose own change is newer than any drawing.
        let gets = (0..6).map(|key| cache.get(key, wanted(0, None), draw("v")));
        let own = cache.get(0, wanted(1, Some(1)), draw("own"));
        let (all, own) = tokio::join!(futures_util::future::join_all(gets), own);
        assert!(all.iter().all(Result::is_ok) && own.is_ok());
        assert_eq!(most.load(Ordering::SeqCst), DRAWINGS_AT_ONCE);
    }

    #[tokio::test]
    async fn requests_waiting_together_share_one_drawing() {
        let cache = Cache::new(1_000);
        let drawings = AtomicUsize::new(0);
        let slow = || async {
            drawings.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            value("page").await
        };
        let (a, b) = tokio::join!(
            cache.get(1, wanted(0, None), slow()),
            cache.get(1, wanted(0, None), slow())
        );
        assert_eq!(
            (a.unwrap().value.as_str(), b.unwrap().value.as_str()),
            ("page", "page")
        );
        assert_eq!(drawings.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_drawing_is_not_kept() {
        let cache: Cache<i32, String> = Cache::new(1_000);
        assert!(
            cache
                .get(1, wanted(0, None), async { Err::<(String, _), _>("down") })
                .await
                .is_err()
        );
        assert!(cache.is_empty(), "no slot left behind");
        let drawings = AtomicUsize::new(0);
        let up = cache.get(1, wanted(0, None), draw(&drawings, "up")).await;
        assert_eq!(up.unwrap().value, "up");
    }

    #[tokio::test]
    async fn the_least_recently_used_go_when_over_budget() {
        let cache = Cache::new(10);
        let drawings = AtomicUsize::new(0);
        let get = |key, text| cache.get(key, wanted(0, None), draw(&drawings, text));
        get(1, "aaaa").await.unwrap();
        get(2, "bbbb").await.unwrap();
        get(1, "x").await.unwrap(); // 1 used again
        get(3, "cccc").await.unwrap();
        assert_eq!(cache.len(), 2, "over budget: one went");
        assert_eq!(get(1, "new").await.unwrap().value, "aaaa", "1 was kept");
        assert_eq!(get(2, "new").await.unwrap().value, "new", "2 was evicted");
    }
}
