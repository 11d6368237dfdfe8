//! A job runner that sends mail to a local SMTP sink, with documents attached as stand-in PDFs:
//! what the tests of mails with attachments (reminders, exports) share.

use super::named_files::NamedFiles;
use super::smtp_sink::Sink;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tilaus_app::App;
use tilaus_app::job::{Handlers, JobRunner, RetryPolicy, RunnerConfig};
use tilaus_app::message::{Mailer, SendMessages};
use tokio::sync::oneshot;

pub struct MailRunner {
    pub sink: Sink,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl MailRunner {
    /// Runs `app`'s jobs, mailing to a new sink; documents are named `{prefix}-{id}.pdf`.
    pub async fn start(app: &App, prefix: &'static str) -> MailRunner {
        let sink = Sink::default();
        let port = sink.start("127.0.0.1:0").await;
        let mailer = Mailer::new(&format!("smtp://127.0.0.1:{port}"), "tilaus@test.example")
            .expect("mailer");
        let mut handlers = Handlers::builtin();
        handlers.register(
            SendMessages::new(Some(mailer)).with_documents(Arc::new(NamedFiles { prefix })),
        );
        let config = RunnerConfig {
            poll: Duration::from_millis(20),
            retry: RetryPolicy {
                first_retry: Duration::from_millis(50),
                cap: Duration::from_millis(200),
                max_attempts: 3,
            },
            ..RunnerConfig::default()
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(
            JobRunner::new(app.clone(), handlers, config).run(async move {
                let _ = stopped.await;
            }),
        );
        MailRunner { sink, stop, task }
    }

    /// Waits (up to 20 s) for a received mail whose raw text contains `needle`, then stops the
    /// runner and returns the mail.
    pub async fn mail_containing(self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let raw = loop {
            if let Some(raw) = self.sink.mails().into_iter().find(|m| m.contains(needle)) {
                break raw;
            }
            assert!(
                Instant::now() < deadline,
                "no mail with {needle:?}: {:?}",
                self.sink.mails()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let _ = self.stop.send(());
        self.task.await.expect("the runner stops");
        raw
    }
}
