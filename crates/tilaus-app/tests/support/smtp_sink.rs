//! A tiny SMTP server for tests: it speaks enough SMTP for lettre (220, EHLO/HELO, MAIL, RCPT,
//! DATA, RSET, NOOP, QUIT), stores every accepted mail, and can refuse recipients with a
//! chosen reply (e.g. `450 …` or `550 …`).

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone, Default)]
pub struct Sink {
    pub mails: Arc<Mutex<Vec<String>>>,
    /// When set, every RCPT gets this reply instead of 250.
    pub refuse_rcpt: Arc<Mutex<Option<String>>>,
}

impl Sink {
    /// Listens on `addr` (e.g. `127.0.0.1:0`); returns the port.
    pub async fn start(&self, addr: &str) -> u16 {
        let listener = TcpListener::bind(addr).await.expect("bind the sink");
        let port = listener.local_addr().expect("addr").port();
        let sink = self.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sink = sink.clone();
                tokio::spawn(async move { sink.session(stream).await });
            }
        });
        port
    }

    pub fn mails(&self) -> Vec<String> {
        self.mails.lock().expect("lock").clone()
    }

    async fn session(&self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let _ = write.write_all(b"220 sink ESMTP\r\n").await;
        while let Ok(Some(line)) = lines.next_line().await {
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let reply = match verb.as_str() {
                "EHLO" => "250-sink\r\n250 8BITMIME\r\n".to_owned(),
                "HELO" | "MAIL" | "RSET" | "NOOP" => "250 ok\r\n".to_owned(),
                "RCPT" => match self.refuse_rcpt.lock().expect("lock").clone() {
                    Some(reply) => format!("{reply}\r\n"),
                    None => "250 ok\r\n".to_owned(),
                },
                "DATA" => {
                    let _ = write.write_all(b"354 go ahead\r\n").await;
                    let mut mail = String::new();
                    while let Ok(Some(data)) = lines.next_line().await {
                        if data == "." {
                            break;
                        }
                        let data = data.strip_prefix('.').unwrap_or(&data);
                        mail.push_str(data);
                        mail.push_str("\r\n");
                    }
                    let mut mails = self.mails.lock().expect("lock");
                    mails.push(mail);
                    format!("250 ok queued as {}\r\n", mails.len())
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    return;
                }
                _ => "502 not implemented\r\n".to_owned(),
            };
            if write.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}
