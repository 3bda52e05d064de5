//! The `listeners:` block of the `config` fragment: Synapse serving clients and
//! federation where Dendrite did.
//!
//! Where Dendrite listened is not in dendrite.yaml: it comes from the monolith's
//! command-line flags (`cmd/dendrite/main.go` of v0.13.8), which `config` takes
//! under the same names:
//!
//! - `--http-bind-address` (default `:8008`): plain HTTP, always served;
//! - `--https-bind-address` (default `:8448`): TLS, served only when BOTH
//!   `--tls-cert` and `--tls-key` are given; Dendrite then terminated TLS itself.
//!
//! Dendrite serves the client, federation, key and media APIs on every listener,
//! so each Synapse listener gets `client` and `federation` (Synapse adds `/_matrix/key`
//! and `/_matrix/media` to those two itself). Two shapes come out:
//!
//! - [`Served::Tls`]: an HTTP and a TLS listener at Dendrite's two addresses, and
//!   `tls_certificate_path`/`tls_private_key_path` with Dendrite's certificate paths
//!   (Synapse reads the same PEM files and re-reads them on SIGHUP).
//! - [`Served::BehindProxy`]: one plain HTTP listener with `x_forwarded: true`; the
//!   reverse proxy in front keeps terminating TLS for clients and for federation.
//!
//! Traps: Go's `:8008` means every interface, which Synapse spells `['::', '0.0.0.0']`;
//! an IPv6 host comes bracketed (`[::1]:8008`) and Synapse wants it bare; a cert without
//! a key (or the reverse) starts no HTTPS in Dendrite, so it is refused here rather than
//! silently written as plain HTTP.

use std::fmt::Write as _;

use anyhow::{bail, Context, Result};

/// Dendrite's listener flags, as given to `config`.
pub struct Flags<'a> {
    pub http_bind_address: &'a str,
    pub https_bind_address: &'a str,
    pub tls_cert: Option<&'a str>,
    pub tls_key: Option<&'a str>,
}

/// One Go `host:port` listen address.
#[derive(Debug, PartialEq, Eq)]
pub struct Listen {
    /// `None`: every interface (Go's empty host).
    pub host: Option<String>,
    pub port: u16,
}

/// How Dendrite was reached.
#[derive(Debug, PartialEq, Eq)]
pub enum Served {
    /// Dendrite terminated TLS itself (`--tls-cert`/`--tls-key`).
    Tls { http: Listen, https: Listen, cert: String, key: String },
    /// Plain HTTP only: a reverse proxy terminated TLS in front of it.
    BehindProxy { http: Listen },
}

impl Listen {
    /// Parses Go's `host:port` (`:8008`, `127.0.0.1:8008`, `[::1]:8008`).
    pub fn parse(flag: &str, addr: &str) -> Result<Listen> {
        let (host, port) = addr
            .rsplit_once(':')
            .with_context(|| format!("{flag} {addr:?}: expected host:port (as Dendrite's flag, e.g. :8008)"))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .with_context(|| format!("{flag} {addr:?}: {port:?} is not a port number"))?;
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        if host.contains(['[', ']', ' ', '\'', '"']) || (host.contains(':') && !addr.starts_with('[')) {
            bail!("{flag} {addr:?}: not a host:port address");
        }
        Ok(Listen { host: (!host.is_empty()).then(|| host.to_string()), port })
    }

    fn bind_addresses(&self) -> String {
        match &self.host {
            None => "['::', '0.0.0.0']".into(),
            Some(h) => format!("[{}]", super::config::json_str(h)),
        }
    }
}

impl Served {
    pub fn from_flags(f: &Flags) -> Result<Served> {
        let http = Listen::parse("--http-bind-address", f.http_bind_address)?;
        match (f.tls_cert.filter(|s| !s.is_empty()), f.tls_key.filter(|s| !s.is_empty())) {
            (Some(cert), Some(key)) => Ok(Served::Tls {
                http,
                https: Listen::parse("--https-bind-address", f.https_bind_address)?,
                cert: cert.into(),
                key: key.into(),
            }),
            (None, None) => Ok(Served::BehindProxy { http }),
            _ => bail!(
                "--tls-cert and --tls-key go together (Dendrite serves HTTPS only with both; give neither when a \
                 reverse proxy terminated TLS)"
            ),
        }
    }

    /// The `listeners:` block (and TLS paths) of the fragment.
    pub fn yaml(&self) -> String {
        let mut w = String::new();
        w.push_str("# Listeners: where Dendrite listened (its --http-bind-address/--https-bind-address flags).\n");
        w.push_str("# Each serves clients and federation, as Dendrite did (Synapse adds /_matrix/key and\n");
        w.push_str("# /_matrix/media to `client`/`federation` itself).\n");
        match self {
            Served::Tls { http, https, cert, key } => {
                w.push_str(
                    "# Dendrite terminated TLS itself (--tls-cert/--tls-key): Synapse does too, with the same\n",
                );
                w.push_str("# files (relative paths are resolved from Synapse's working folder, Dendrite's were\n");
                w.push_str("# from its own: check them). Remote servers reach federation at the TLS port.\n");
                w.push_str("listeners:\n");
                listener(&mut w, http, false, false);
                listener(&mut w, https, true, false);
                let _ = writeln!(w, "tls_certificate_path: {}", super::config::json_str(cert));
                let _ = writeln!(w, "tls_private_key_path: {}", super::config::json_str(key));
            }
            Served::BehindProxy { http } => {
                w.push_str("# Dendrite served plain HTTP only: a reverse proxy in front of it terminated TLS for\n");
                w.push_str("# clients and federation (443 and/or 8448). Keep the proxy and point it here, at the\n");
                w.push_str("# same address; it must pass the Host header and X-Forwarded-For (x_forwarded below,\n");
                w.push_str("# so Synapse logs and rate-limits the real client address), and allow request bodies\n");
                w.push_str("# at least max_upload_size. Federation over TLS stays the proxy's job.\n");
                w.push_str("listeners:\n");
                listener(&mut w, http, false, true);
            }
        }
        w.push('\n');
        w
    }
}

fn listener(w: &mut String, l: &Listen, tls: bool, x_forwarded: bool) {
    let _ = writeln!(w, "  - port: {}", l.port);
    let _ = writeln!(w, "    bind_addresses: {}", l.bind_addresses());
    let _ = writeln!(w, "    type: http");
    let _ = writeln!(w, "    tls: {tls}");
    let _ = writeln!(w, "    x_forwarded: {x_forwarded}");
    let _ = writeln!(w, "    resources:");
    let _ = writeln!(w, "      - names: [client, federation]");
    let _ = writeln!(w, "        compress: false");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags<'a>(cert: Option<&'a str>, key: Option<&'a str>) -> Flags<'a> {
        Flags { http_bind_address: ":8008", https_bind_address: ":8448", tls_cert: cert, tls_key: key }
    }

    #[test]
    fn go_addresses() {
        assert_eq!(Listen::parse("f", ":8008").unwrap(), Listen { host: None, port: 8008 });
        assert_eq!(
            Listen::parse("f", "127.0.0.1:18448").unwrap(),
            Listen { host: Some("127.0.0.1".into()), port: 18448 }
        );
        assert_eq!(Listen::parse("f", "[::1]:8448").unwrap(), Listen { host: Some("::1".into()), port: 8448 });
        for bad in ["8008", ":0", ":99999", ":http", "::1:8008", "a b:80", "x':80"] {
            let e = Listen::parse("--http-bind-address", bad).unwrap_err().to_string();
            assert!(e.starts_with("--http-bind-address"), "{bad}: {e}");
        }
    }

    #[test]
    fn cert_without_key_is_refused() {
        let e = Served::from_flags(&flags(Some("server.crt"), None)).unwrap_err().to_string();
        assert!(e.contains("go together"), "{e}");
        assert!(Served::from_flags(&flags(None, Some("server.key"))).is_err());
    }

    /// The block is read back by a YAML parser and has Synapse's listener shape.
    fn parsed(s: &Served) -> serde_yaml_ng::Value {
        serde_yaml_ng::from_str(&s.yaml()).expect("the block is YAML")
    }

    #[test]
    fn tls_listeners_use_dendrites_paths_and_ports() {
        let s = Served::from_flags(&Flags {
            http_bind_address: "127.0.0.1:18008",
            https_bind_address: ":18448",
            tls_cert: Some("/etc/dendrite/server.crt"),
            tls_key: Some("server.key"),
        })
        .unwrap();
        let v = parsed(&s);
        assert_eq!(v["tls_certificate_path"].as_str(), Some("/etc/dendrite/server.crt"));
        assert_eq!(v["tls_private_key_path"].as_str(), Some("server.key"));
        let l = v["listeners"].as_sequence().unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!((l[0]["port"].as_u64(), l[0]["tls"].as_bool()), (Some(18008), Some(false)));
        assert_eq!(l[0]["bind_addresses"][0].as_str(), Some("127.0.0.1"));
        assert_eq!((l[1]["port"].as_u64(), l[1]["tls"].as_bool()), (Some(18448), Some(true)));
        assert_eq!(l[1]["bind_addresses"].as_sequence().unwrap().len(), 2, "Go's :port is every interface");
        for one in l {
            let names: Vec<_> = one["resources"][0]["names"].as_sequence().unwrap().iter().collect();
            assert_eq!(names, ["client", "federation"]);
            assert_eq!(one["x_forwarded"].as_bool(), Some(false));
        }
    }

    #[test]
    fn plain_http_is_behind_a_proxy() {
        let s = Served::from_flags(&flags(None, None)).unwrap();
        let text = s.yaml();
        assert!(text.contains("reverse proxy"), "{text}");
        let v = parsed(&s);
        assert!(v.get("tls_certificate_path").is_none());
        let l = v["listeners"].as_sequence().unwrap();
        assert_eq!(l.len(), 1, "no TLS listener: Dendrite served none");
        assert_eq!((l[0]["port"].as_u64(), l[0]["tls"].as_bool()), (Some(8008), Some(false)));
        assert_eq!(l[0]["x_forwarded"].as_bool(), Some(true));
    }

    #[test]
    fn hostile_paths_stay_one_scalar() {
        let s = Served::from_flags(&flags(Some("a\"\nlisteners: []\n#"), Some("k"))).unwrap();
        let v = parsed(&s);
        assert_eq!(v["tls_certificate_path"].as_str(), Some("a\"\nlisteners: []\n#"));
        assert_eq!(v["listeners"].as_sequence().unwrap().len(), 2);
    }
}
