//! Events between capabilities. A capability that does something others may care about
//! publishes an event (a plain struct it defines); capabilities that depend on it
//! subscribe in their registration. Handlers run inside the publisher's transaction, so
//! the consequence commits or rolls back with the cause, and the publisher never names
//! its subscribers: "call outcome recorded" → complaints closes or reopens; "history
//! recorded" → callbacks raises the calls it obliges.

use crate::core::db::Tx;
use crate::core::error::Result;
use crate::core::registry;
use std::any::{Any, TypeId};
use std::future::Future;
use std::pin::Pin;

/// Something that happened, published by the capability that defines it.
pub trait Event: Any + Send + Sync {
    /// A stable name, for logs and the registry's listing.
    const NAME: &'static str;
}

/// The future a handler returns.
pub type Handling<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

type Erased = Box<dyn for<'a> Fn(&'a mut Tx, &'a (dyn Any + Send + Sync)) -> Handling<'a> + Send + Sync>;

/// A handler of one event type, declared by the subscribing capability.
pub struct Subscription {
    pub event: TypeId,
    pub event_name: &'static str,
    handler: Erased,
}

/// Subscribes `handler` to events of type `E`.
pub fn on<E: Event>(handler: for<'a> fn(&'a mut Tx, &'a E) -> Handling<'a>) -> Subscription {
    Subscription {
        event: TypeId::of::<E>(),
        event_name: E::NAME,
        handler: Box::new(move |tx, event| match (event as &dyn Any).downcast_ref::<E>() {
            Some(e) => handler(tx, e),
            None => Box::pin(async { Ok(()) }),
        }),
    }
}

fn subscriptions() -> &'static [Subscription] {
    static ALL: std::sync::OnceLock<Vec<Subscription>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| registry::installed().iter().flat_map(|c| (c.subscriptions)()).collect())
}

/// Runs every subscribed handler of `event` inside `tx`, in the order the capabilities
/// are registered; the first error aborts (and so rolls back) the whole transaction.
pub async fn publish<E: Event>(tx: &mut Tx, event: &E) -> Result<()> {
    let id = TypeId::of::<E>();
    for s in subscriptions().iter().filter(|s| s.event == id) {
        (s.handler)(tx, event).await?;
    }
    Ok(())
}
