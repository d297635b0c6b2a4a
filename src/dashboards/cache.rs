//! Dashboards drawn once and served many times. A page is kept with the data version it was drawn
//! at (`Election::data_version`, the snapshot of the request that asked for it) and the instant its
//! content would next change on its own (a unit falling quiet); a request whose version the kept
//! one does not cover (it may see a change the page lacks), or past that instant, draws it again. Requests arriving while a page is drawn wait for that one drawing instead of
//! each starting their own. Pages least recently used go first when the cache outgrows its budget.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;

use crate::db::DataVersion;

/// Something kept in the cache, with what it costs in memory.
pub trait Weight {
    fn bytes(&self) -> usize;
}

/// The version of the data a value was drawn from.
pub trait Version: Clone {
    /// Whether a value drawn at `self` holds for a request at `other`.
    fn covers(&self, other: &Self) -> bool;
}

/// A count that grows with every change.
impl Version for i64 {
    fn covers(&self, other: &i64) -> bool {
        self >= other
    }
}

impl Version for DataVersion {
    fn covers(&self, other: &DataVersion) -> bool {
        DataVersion::covers(self, other)
    }
}

/// A drawn value and until when it holds.
pub struct Drawn<V> {
    pub value: V,
    /// The first instant at which the value would be drawn differently with the same data.
    pub valid_until: Option<DateTime<Utc>>,
}

struct Slot<V, N> {
    version: N,
    cell: Arc<OnceCell<Arc<Drawn<V>>>>,
    last_used: u64,
}

pub struct Cache<K, V, N> {
    slots: Mutex<Slots<K, V, N>>,
    budget_bytes: usize,
}

struct Slots<K, V, N> {
    map: HashMap<K, Slot<V, N>>,
    tick: u64,
}

impl<K: Eq + Hash + Clone, V: Weight, N: Version> Cache<K, V, N> {
    pub fn new(budget_bytes: usize) -> Self {
        Cache {
            slots: Mutex::new(Slots {
                map: HashMap::new(),
                tick: 0,
            }),
            budget_bytes,
        }
    }

    /// The value for `key` drawn at a version covering `version` and still valid at `now`, drawing it with
    /// `draw` when there is none. A failed drawing is not kept: the next request tries again.
    pub async fn get<E, F>(
        &self,
        key: K,
        version: N,
        now: DateTime<Utc>,
        draw: F,
    ) -> Result<Arc<Drawn<V>>, E>
    where
        F: Future<Output = Result<Drawn<V>, E>>,
    {
        let cell = self.cell_for(key, version, now);
        cell.get_or_try_init(|| async { draw.await.map(Arc::new) })
            .await
            .cloned()
    }

    fn cell_for(&self, key: K, version: N, now: DateTime<Utc>) -> Arc<OnceCell<Arc<Drawn<V>>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.tick += 1;
        let tick = slots.tick;
        if let Some(slot) = slots.map.get_mut(&key) {
            let fresh = match slot.cell.get() {
                Some(drawn) => drawn.valid_until.is_none_or(|until| now < until),
                None => true, // being drawn now
            };
            if slot.version.covers(&version) && fresh {
                slot.last_used = tick;
                return slot.cell.clone();
            }
        }
        let cell = Arc::new(OnceCell::new());
        slots.map.insert(
            key,
            Slot {
                version,
                cell: cell.clone(),
                last_used: tick,
            },
        );
        self.evict(&mut slots);
        cell
    }

    /// Drops the least recently used values until what is drawn fits the budget.
    fn evict(&self, slots: &mut Slots<K, V, N>) {
        loop {
            let used: usize = slots
                .map
                .values()
                .filter_map(|slot| slot.cell.get())
                .map(|drawn| drawn.value.bytes())
                .sum();
            if used <= self.budget_bytes {
                return;
            }
            let Some(oldest) = slots
                .map
                .iter()
                .filter(|(_, slot)| slot.cell.initialized())
                .min_by_key(|(_, slot)| slot.last_used)
                .map(|(key, _)| key.clone())
            else {
                return;
            };
            slots.map.remove(&oldest);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.lock().unwrap().map.len()
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

    async fn draw(
        drawings: &AtomicUsize,
        text: &str,
        until: Option<i64>,
    ) -> Result<Drawn<String>, ()> {
        drawings.fetch_add(1, Ordering::SeqCst);
        Ok(Drawn {
            value: text.to_string(),
            valid_until: until.map(at),
        })
    }

    #[tokio::test]
    async fn a_value_is_drawn_again_only_for_a_newer_version_or_past_its_time() {
        let cache = Cache::new(1_000);
        let drawings = AtomicUsize::new(0);
        let get =
            |version, now, text| cache.get("k", version, at(now), draw(&drawings, text, Some(100)));
        assert_eq!(get(1, 0, "a").await.unwrap().value, "a");
        assert_eq!(
            get(1, 50, "b").await.unwrap().value,
            "a",
            "same version, still valid"
        );
        assert_eq!(
            get(0, 50, "b").await.unwrap().value,
            "a",
            "an older version reads the newer value"
        );
        assert_eq!(
            get(2, 50, "c").await.unwrap().value,
            "c",
            "a newer version draws again"
        );
        assert_eq!(
            get(2, 100, "d").await.unwrap().value,
            "d",
            "past its time it is drawn again"
        );
        assert_eq!(drawings.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn requests_waiting_together_share_one_drawing() {
        let cache = Cache::new(1_000);
        let drawings = AtomicUsize::new(0);
        let slow = || async {
            drawings.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok::<_, ()>(Drawn {
                value: "page".to_string(),
                valid_until: None,
            })
        };
        let (a, b) = tokio::join!(
            cache.get(1, 1, at(0), slow()),
            cache.get(1, 1, at(0), slow())
        );
        assert_eq!(
            (a.unwrap().value.as_str(), b.unwrap().value.as_str()),
            ("page", "page")
        );
        assert_eq!(drawings.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_drawing_is_not_kept() {
        let cache: Cache<i32, String, i64> = Cache::new(1_000);
        assert!(
            cache
                .get(1, 1, at(0), async { Err::<Drawn<String>, _>("down") })
                .await
                .is_err()
        );
        let drawings = AtomicUsize::new(0);
        assert_eq!(
            cache
                .get(1, 1, at(0), draw(&drawings, "up", None))
                .await
                .unwrap()
                .value,
            "up"
        );
    }

    #[tokio::test]
    async fn the_least_recently_used_go_when_over_budget() {
        let cache = Cache::new(10);
        let drawings = AtomicUsize::new(0);
        cache
            .get(1, 1, at(0), draw(&drawings, "aaaa", None))
            .await
            .unwrap();
        cache
            .get(2, 1, at(0), draw(&drawings, "bbbb", None))
            .await
            .unwrap();
        cache
            .get(1, 1, at(0), draw(&drawings, "x", None))
            .await
            .unwrap(); // 1 used again
        cache
            .get(3, 1, at(0), draw(&drawings, "cccc", None))
            .await
            .unwrap();
        assert_eq!(
            cache.len(),
            3,
            "eviction happens when the next slot is made"
        );
        cache
            .get(4, 1, at(0), draw(&drawings, "dddd", None))
            .await
            .unwrap();
        assert_eq!(
            cache
                .get(1, 1, at(0), draw(&drawings, "new", None))
                .await
                .unwrap()
                .value,
            "aaaa"
        );
        assert_eq!(
            cache
                .get(2, 1, at(0), draw(&drawings, "new", None))
                .await
                .unwrap()
                .value,
            "new",
            "2 was evicted"
        );
    }
}
