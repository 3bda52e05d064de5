//! What is carried over but that Synapse will serve differently from Dendrite:
//! warnings for the admin, printed with the summary and listed in `--report`.
//!
//! A skip ([`super::report::Skip`]) is something left out; a caveat is
//! something carried as it is, whose behaviour after the move an admin could
//! not guess. Each is a named [`Caveat`] variant with its own wording, found
//! from the rows convert wrote (so it speaks about what Synapse will hold).
//!
//! Trap: Synapse measures user IDs in characters (code points), not bytes;
//! the limit is on the whole ID (`@localpart:server`), and it applies to the
//! sender of every new event (docs/synapse-schema.md §A.1, "Long user IDs").

use serde::Serialize;

use crate::synapse::tables::Tables;

/// The longest sender Synapse accepts in a new event, in characters.
pub const MAX_SENDER_CHARS: usize = 255;

/// Something carried as it is that Synapse will treat differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Caveat {
    /// A local account whose ID is longer than Synapse lets any event's
    /// sender be (Dendrite checked only the localpart's length before v0.11):
    /// it logs in and reads its history, but every event it sends (messages,
    /// joins, leaves, profile changes) is refused.
    UserIdTooLongToSend { user_id: String, chars: usize },
}

impl Caveat {
    /// The warning line the summary prints.
    pub fn warning(&self) -> String {
        match self {
            Caveat::UserIdTooLongToSend { user_id, chars } => format!(
                "user {user_id} is carried, but its ID has {chars} characters: Synapse refuses events sent by IDs \
                 over {MAX_SENDER_CHARS} (it can log in and read, not send, join or leave)"
            ),
        }
    }
}

/// The caveats of a conversion, in the order of the rows they name.
pub fn find(tables: &Tables<'_>) -> Vec<Caveat> {
    let mut users: Vec<&str> = tables.users.rows.iter().map(|u| u.name.as_ref()).collect();
    users.sort_unstable();
    users
        .into_iter()
        .filter_map(|id| {
            let chars = id.chars().count();
            (chars > MAX_SENDER_CHARS).then(|| Caveat::UserIdTooLongToSend { user_id: id.to_owned(), chars })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synapse::row::Flag;
    use crate::synapse::tables::User;

    fn user(name: &str) -> User<'static> {
        User {
            name: name.to_owned().into(),
            password_hash: None,
            creation_ts: 0,
            admin: Flag(false),
            is_guest: Flag(false),
            appservice_id: None,
            deactivated: Flag(false),
            shadow_banned: false,
            approved: true,
        }
    }

    #[test]
    fn only_ids_over_255_characters_are_named() {
        let mut t = Tables::default();
        // 255 characters exactly is allowed; 256 is not; multi-byte characters count once.
        let at_limit = format!("@{}:s", "a".repeat(252));
        let over = format!("@{}:s", "b".repeat(253));
        let wide = format!("@{}:s", "é".repeat(200)); // 204 characters, 404 bytes
        for id in [&over, &at_limit, &wide, &"@Upper:s".to_owned()] {
            t.users.push(user(id));
        }
        assert_eq!(at_limit.chars().count(), 255);
        assert_eq!(find(&t), vec![Caveat::UserIdTooLongToSend { user_id: over.clone(), chars: 256 }]);
        assert!(find(&t)[0].warning().contains(&over));
    }
}
