//! One Diesel schema for both backends: only portable SQL types (see diesel.toml).

diesel::table! {
    write_lock (id) {
        id -> BigInt,
    }
}

diesel::table! {
    agents (id) {
        id -> BigInt,
        name -> Text,
        email -> Text,
        email_key -> Text,
        mobile -> Nullable<Text>,
        role -> SmallInt,
        status -> SmallInt,
        enabled -> Bool,
        password_hash -> Nullable<Text>,
        notify_unassigned -> Bool,
        last_seen_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        max_chats -> Nullable<Integer>,
        last_assigned_at -> Nullable<Timestamp>,
        offline_since -> Nullable<Timestamp>,
        resume_status -> Nullable<SmallInt>,
        alert_mailed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        agent_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        idle_expires_at -> Timestamp,
        absolute_expires_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (id) {
        id -> BigInt,
        agent_id -> BigInt,
        code_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    logon_failures (id) {
        id -> BigInt,
        source -> Text,
        email_key -> Nullable<Text>,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        name -> Text,
        name_key -> Text,
        include_in_menu -> Bool,
        name_in_menu -> Nullable<Text>,
        menu_index -> Nullable<Integer>,
        welcome_new -> Nullable<Text>,
        welcome_returning -> Nullable<Text>,
        enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        max_chats_per_agent -> Nullable<Integer>,
    }
}

diesel::table! {
    agent_departments (agent_id, department_id) {
        agent_id -> BigInt,
        department_id -> BigInt,
    }
}

diesel::table! {
    tag_groups (id) {
        id -> BigInt,
        name -> Text,
        name_key -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        group_id -> BigInt,
        name -> Text,
        name_key -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    department_auto_tags (department_id, tag_id) {
        department_id -> BigInt,
        tag_id -> BigInt,
    }
}

diesel::table! {
    canned_responses (id) {
        id -> BigInt,
        name -> Text,
        message_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    working_hours (day) {
        day -> SmallInt,
        enabled -> Bool,
        start_minute -> Integer,
        end_minute -> Integer,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        agent_id -> Nullable<BigInt>,
        actor -> Text,
        address -> Nullable<Text>,
        action -> Text,
        target -> Text,
        changes -> Text,
    }
}

diesel::table! {
    daily_passes (name) {
        name -> Text,
        claimed_until -> Nullable<Timestamp>,
        last_done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        events -> Text,
        enabled -> Bool,
        signing_secret -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> BigInt,
        event -> Text,
        chat_id -> Nullable<BigInt>,
        body -> Text,
        state -> SmallInt,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        last_status -> Nullable<Integer>,
        last_duration_ms -> Nullable<BigInt>,
        last_answer -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_cursor (id) {
        id -> SmallInt,
        tx -> BigInt,
        event_id -> BigInt,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::table! {
    event_tickets (id) {
        id -> BigInt,
        ticket_hash -> Text,
        session_token_hash -> Text,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> agents (agent_id));
diesel::joinable!(password_resets -> agents (agent_id));
diesel::joinable!(agent_departments -> agents (agent_id));
diesel::joinable!(agent_departments -> departments (department_id));
diesel::joinable!(tags -> tag_groups (group_id));
diesel::joinable!(department_auto_tags -> departments (department_id));
diesel::joinable!(department_auto_tags -> tags (tag_id));

diesel::table! {
    channels (id) {
        id -> BigInt,
        name -> Text,
        chat_server -> Text,
        api_key_hash -> Text,
        account_token_hash -> Text,
        signing_secret -> Text,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        verifies_identity -> Bool,
        kind -> SmallInt,
        widget_key -> Nullable<Text>,
    }
}

diesel::table! {
    web_visitors (id) {
        id -> BigInt,
        channel_id -> BigInt,
        token_hash -> Text,
        session_key -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        away_email -> Nullable<Text>,
        mailed_message_id -> BigInt,
        mailed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    customers (id) {
        id -> BigInt,
        full_name -> Nullable<Text>,
        mobile -> Nullable<Text>,
        email -> Nullable<Text>,
        email_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        identity_scope -> BigInt,
    }
}

diesel::table! {
    chats (id) {
        id -> BigInt,
        channel_id -> BigInt,
        external_session_id -> Text,
        customer_id -> BigInt,
        department_id -> Nullable<BigInt>,
        agent_id -> Nullable<BigInt>,
        state -> SmallInt,
        created_at -> Timestamp,
        queued_at -> Nullable<Timestamp>,
        assigned_at -> Nullable<Timestamp>,
        first_response_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        close_reason -> Nullable<Text>,
        last_message_at -> Timestamp,
        last_message_text -> Nullable<Text>,
        agent_unread -> Integer,
        customer_typing_at -> Nullable<Timestamp>,
        visitor_name -> Nullable<Text>,
        visitor_email -> Nullable<Text>,
        visitor_phone -> Nullable<Text>,
        alerted_at -> Nullable<Timestamp>,
        rating_requested_at -> Nullable<Timestamp>,
        rating -> Nullable<SmallInt>,
        rating_comment -> Nullable<Text>,
        rated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// A view: `chat_counts` and the deltas not folded into it yet (migration `chat_totals`).
    chat_totals (department_id, state) {
        department_id -> BigInt,
        state -> SmallInt,
        n -> BigInt,
    }
}

diesel::table! {
    chat_tags (chat_id, tag_id) {
        chat_id -> BigInt,
        tag_id -> BigInt,
        added_at -> Timestamp,
        added_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    chat_visits (id) {
        id -> BigInt,
        channel_id -> BigInt,
        external_session_id -> Text,
        url -> Text,
        visited_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        chat_id -> BigInt,
        name -> Text,
        mime_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        bytes -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        chat_id -> BigInt,
        kind -> SmallInt,
        special_type -> Nullable<Text>,
        agent_id -> Nullable<BigInt>,
        author -> Text,
        text -> Text,
        attachment_id -> Nullable<BigInt>,
        to_customer -> Bool,
        created_at -> Timestamp,
        read_by_agent_at -> Nullable<Timestamp>,
        read_by_customer_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        message_id -> BigInt,
        chat_id -> BigInt,
        channel_id -> BigInt,
        state -> SmallInt,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chat_events (id) {
        id -> BigInt,
        chat_id -> BigInt,
        kind -> SmallInt,
        at -> Timestamp,
        agent_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        seconds -> Nullable<BigInt>,
    }
}

diesel::table! {
    live_events (id) {
        id -> BigInt,
        tx -> BigInt,
        at -> Timestamp,
        topic -> SmallInt,
        scope -> SmallInt,
        department_id -> Nullable<BigInt>,
        also_department_id -> Nullable<BigInt>,
        agent_id -> Nullable<BigInt>,
        also_agent_id -> Nullable<BigInt>,
        data -> Text,
    }
}

diesel::table! {
    live_event_horizon (id) {
        id -> SmallInt,
        tx -> BigInt,
        event_id -> BigInt,
    }
}

diesel::table! {
    recipients (id) {
        id -> BigInt,
        full_name -> Text,
        email -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    report_schedules (id) {
        id -> BigInt,
        recipient_id -> BigInt,
        report_id -> SmallInt,
        format -> Text,
        groupings -> Text,
        delivery -> Text,
        scheduled_days -> Text,
        scheduled_minute -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    report_runs (id) {
        id -> BigInt,
        schedule_id -> BigInt,
        period_key -> Text,
        due_at -> Timestamp,
        state -> SmallInt,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(report_schedules -> recipients (recipient_id));
diesel::joinable!(report_runs -> report_schedules (schedule_id));
diesel::joinable!(chats -> customers (customer_id));
diesel::joinable!(chats -> channels (channel_id));
diesel::joinable!(chats -> departments (department_id));
diesel::joinable!(chats -> agents (agent_id));
diesel::joinable!(chat_tags -> chats (chat_id));
diesel::joinable!(chat_tags -> tags (tag_id));
diesel::joinable!(messages -> chats (chat_id));
diesel::joinable!(messages -> attachments (attachment_id));
diesel::joinable!(deliveries -> messages (message_id));
diesel::joinable!(chat_events -> chats (chat_id));

diesel::table! {
    setup_codes (id) {
        id -> BigInt,
        code -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    write_lock,
    live_events,
    live_event_horizon,
    agents,
    sessions,
    password_resets,
    logon_failures,
    event_tickets,
    departments,
    agent_departments,
    tag_groups,
    tags,
    department_auto_tags,
    canned_responses,
    working_hours,
    settings,
    channels,
    web_visitors,
    customers,
    chats,
    chat_totals,
    chat_tags,
    chat_visits,
    attachments,
    messages,
    deliveries,
    chat_events,
    recipients,
    report_schedules,
    report_runs,
    setup_codes,
    audit_log,
    daily_passes,
    webhooks,
    webhook_deliveries,
    webhook_cursor,
);
