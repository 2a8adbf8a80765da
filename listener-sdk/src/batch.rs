//! [`Batcher`]: collect items and flush them together, on a size or on `TICK_60`, as
//! superlance's crashmailbatch does.

use event_proto::EventType;

use crate::Event;

/// Collects items; a flush hands back everything collected so far.
#[derive(Debug, Clone)]
pub struct Batcher<T> {
    items: Vec<T>,
    max: usize,
    tick: EventType,
}

impl<T> Batcher<T> {
    /// Flushes when `max` items are held (at least 1), or on a `TICK_60` event.
    pub fn new(max: usize) -> Batcher<T> {
        Batcher {
            items: Vec::new(),
            max: max.max(1),
            tick: EventType::Tick60,
        }
    }

    /// Flush on this tick type instead (`TICK_5`, `TICK_3600`).
    pub fn on_tick(mut self, tick: EventType) -> Batcher<T> {
        self.tick = tick;
        self
    }

    /// Adds an item; returns the batch when it is full.
    pub fn push(&mut self, item: T) -> Option<Vec<T>> {
        self.items.push(item);
        (self.items.len() >= self.max).then(|| self.take())
    }

    /// Call for every event: returns the batch (if any is held) when `event` is the flush tick.
    pub fn on_event(&mut self, event: &Event) -> Option<Vec<T>> {
        (event.event_type() == Some(self.tick)).then(|| self.flush())?
    }

    /// The batch held, if any.
    pub fn flush(&mut self) -> Option<Vec<T>> {
        (!self.items.is_empty()).then(|| self.take())
    }

    /// Items held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn take(&mut self) -> Vec<T> {
        std::mem::take(&mut self.items)
    }
}
