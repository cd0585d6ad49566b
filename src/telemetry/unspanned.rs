//! Futures polled with no span current (`unspanned`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tracing::span::Id;

/// `future`, polled with no span current, so that the spans it makes are none.
///
/// sqlx instruments each statement's row streams with the span current when it makes
/// them (`in_current_span`) and enters that span at every poll, twice per row: the
/// request's span (`http/observe.rs`), whose every enter and exit runs the subscriber's
/// layers. `nested-org` made about 4,000 of each per request, 8 % of orgraph's
/// instructions. Only for futures that log nothing (sqlx's statement logging is off,
/// `db::connect`): their events would not name the request.
pub fn unspanned<F: Future + Unpin>(future: F) -> Unspanned<F> {
    Unspanned(future)
}

pub struct Unspanned<F>(F);

impl<F: Future + Unpin> Future for Unspanned<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _entered = Reentered(exit_all());
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Exits every span entered on this thread, innermost first.
fn exit_all() -> Vec<Id> {
    let mut exited = Vec::new();
    while let Some(id) = tracing::dispatcher::get_default(|d| d.current_span().id().cloned()) {
        tracing::dispatcher::get_default(|d| d.exit(&id));
        exited.push(id);
    }
    exited
}

/// Enters the spans `exit_all` exited again, outermost first, when dropped (also when
/// the poll panics: the guards that entered them will exit them).
struct Reentered(Vec<Id>);

impl Drop for Reentered {
    fn drop(&mut self) {
        for id in self.0.iter().rev() {
            tracing::dispatcher::get_default(|d| d.enter(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unspanned;
    use tracing::Instrument;
    use tracing_subscriber::layer::SubscriberExt;

    #[tokio::test]
    async fn no_span_is_current_inside_and_the_outer_one_is_again_after() {
        let subscriber = tracing_subscriber::registry().with(tracing_subscriber::fmt::layer().with_writer(std::io::sink));
        let _default = tracing::subscriber::set_default(subscriber);
        let outer = tracing::info_span!("request");
        let inner = tracing::info_span!(parent: &outer, "field");
        async {
            async {
                let seen = unspanned(Box::pin(async { tracing::Span::current().id() })).await;
                assert_eq!(seen, None, "no span is current inside");
                assert_eq!(tracing::Span::current().id(), inner.id(), "the inner span is current again");
            }
            .instrument(inner.clone())
            .await;
            assert_eq!(tracing::Span::current().id(), outer.id(), "the outer span is current again");
        }
        .instrument(outer.clone())
        .await;
        assert_eq!(tracing::Span::current().id(), None);
    }
}
