//! Synapse 1.163.2's server-default push rules: kind, rule ID, enabled by
//! default, actions. Read from the installed Synapse (its Rust
//! `synapse.synapse_rust.push.PushRules([]).rules()`), not from Dendrite: a
//! Dendrite rule flagged `default` is carried only where it differs from
//! *these*, so an untouched rule follows Synapse's defaults afterwards.

pub struct DefaultRule {
    pub kind: &'static str,
    pub rule_id: &'static str,
    pub enabled: bool,
    pub actions: &'static str,
}

macro_rules! rules {
    ($(($kind:literal, $id:literal, $enabled:literal, $actions:literal),)*) => {
        &[$(DefaultRule { kind: $kind, rule_id: $id, enabled: $enabled, actions: $actions },)*]
    };
}

pub static SYNAPSE_DEFAULTS: &[DefaultRule] = rules![
    ("override", ".m.rule.master", false, r#"[]"#),
    ("override", ".org.matrix.msc4028.encrypted_event", true, r#"["notify"]"#),
    ("override", ".m.rule.suppress_notices", true, r#"[]"#),
    (
        "override",
        ".m.rule.invite_for_me",
        true,
        r#"["notify",{"set_tweak":"highlight","value":false},{"set_tweak":"sound","value":"default"}]"#
    ),
    ("override", ".m.rule.member_event", true, r#"[]"#),
    (
        "override",
        ".im.nheko.msc3664.reply",
        true,
        r#"["notify",{"set_tweak":"highlight"},{"set_tweak":"sound","value":"default"}]"#
    ),
    (
        "override",
        ".org.matrix.msc4075.rule.rtc.invite_for_me",
        true,
        r#"["notify",{"set_tweak":"sound","value":"ring"}]"#
    ),
    (
        "override",
        ".org.matrix.msc4075.rule.rtc.invite_for_room",
        true,
        r#"["notify",{"set_tweak":"sound","value":"ring"}]"#
    ),
    (
        "override",
        ".m.rule.is_user_mention",
        true,
        r#"["notify",{"set_tweak":"highlight"},{"set_tweak":"sound","value":"default"}]"#
    ),
    (
        "override",
        ".m.rule.contains_display_name",
        true,
        r#"["notify",{"set_tweak":"highlight"},{"set_tweak":"sound","value":"default"}]"#
    ),
    ("override", ".m.rule.is_room_mention", true, r#"["notify",{"set_tweak":"highlight"}]"#),
    ("override", ".m.rule.roomnotif", true, r#"["notify",{"set_tweak":"highlight"}]"#),
    ("override", ".m.rule.tombstone", true, r#"["notify",{"set_tweak":"highlight"}]"#),
    ("override", ".m.rule.reaction", true, r#"[]"#),
    ("override", ".m.rule.room.server_acl", true, r#"[]"#),
    ("override", ".m.rule.suppress_edits", true, r#"[]"#),
    ("override", ".org.matrix.msc3930.rule.poll_response", true, r#"[]"#),
    (
        "content",
        ".m.rule.contains_user_name",
        true,
        r#"["notify",{"set_tweak":"highlight"},{"set_tweak":"sound","value":"default"}]"#
    ),
    ("postcontent", ".io.element.msc4306.rule.unsubscribed_thread", true, r#"[]"#),
    (
        "postcontent",
        ".io.element.msc4306.rule.subscribed_thread",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"}]"#
    ),
    (
        "underride",
        ".m.rule.call",
        true,
        r#"["notify",{"set_tweak":"sound","value":"ring"},{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".m.rule.encrypted_room_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".m.rule.room_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc3933.rule.extensible.encrypted_room_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc3933.rule.extensible.message.room_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc3933.rule.extensible.file.room_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc3933.rule.extensible.image.room_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc3933.rule.extensible.video.room_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc3933.rule.extensible.audio.room_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"highlight","value":false}]"#
    ),
    ("underride", ".m.rule.message", true, r#"["notify",{"set_tweak":"highlight","value":false}]"#),
    ("underride", ".m.rule.encrypted", true, r#"["notify",{"set_tweak":"highlight","value":false}]"#),
    (
        "underride",
        ".org.matrix.msc1767.rule.extensible.encrypted",
        true,
        r#"["notify",{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc1767.rule.extensible.message",
        true,
        r#"["notify",{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc1767.rule.extensible.file",
        true,
        r#"["notify",{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc1767.rule.extensible.image",
        true,
        r#"["notify",{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc1767.rule.extensible.video",
        true,
        r#"["notify",{"set_tweak":"highlight","value":false}]"#
    ),
    (
        "underride",
        ".org.matrix.msc1767.rule.extensible.audio",
        true,
        r#"["notify",{"set_tweak":"highlight","value":false}]"#
    ),
    ("underride", ".im.vector.jitsi", true, r#"["notify",{"set_tweak":"highlight","value":false}]"#),
    (
        "underride",
        ".org.matrix.msc3930.rule.poll_start_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"}]"#
    ),
    ("underride", ".org.matrix.msc3930.rule.poll_start", true, r#"["notify"]"#),
    (
        "underride",
        ".org.matrix.msc3930.rule.poll_end_one_to_one",
        true,
        r#"["notify",{"set_tweak":"sound","value":"default"}]"#
    ),
    ("underride", ".org.matrix.msc3930.rule.poll_end", true, r#"["notify"]"#),
];

pub fn find(kind: &str, rule_id: &str) -> Option<&'static DefaultRule> {
    SYNAPSE_DEFAULTS.iter().find(|r| r.kind == kind && r.rule_id == rule_id)
}
