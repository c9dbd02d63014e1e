//! One Diesel schema for both backends: only portable SQL types (see DESIGN.md §8).

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
        email_key -> Text,
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

diesel::joinable!(sessions -> agents (agent_id));
diesel::joinable!(password_resets -> agents (agent_id));
diesel::joinable!(agent_departments -> agents (agent_id));
diesel::joinable!(agent_departments -> departments (department_id));
diesel::joinable!(tags -> tag_groups (group_id));
diesel::joinable!(department_auto_tags -> departments (department_id));
diesel::joinable!(department_auto_tags -> tags (tag_id));

diesel::allow_tables_to_appear_in_same_query!(
    write_lock,
    agents,
    sessions,
    password_resets,
    logon_failures,
    departments,
    agent_departments,
    tag_groups,
    tags,
    department_auto_tags,
    canned_responses,
    working_hours,
    settings,
);
