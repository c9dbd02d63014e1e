"""Schemathesis hooks for tests/fuzz/schemathesis.sh.

The fuzzer must not cut the branch it sits on:
- CreateChannel's ChatServer host becomes 127.0.0.1, so generated host names are never looked up;
- UpdateAgent may not disable or demote the manager the fuzzer is logged on as (its session would
  end, and every later call would be 401 or 403);
- DeleteChannel may not delete the seeded channel whose apiKey the channel API is fuzzed with, nor
  DeleteTag, DeleteRecipient and DeleteCannedResponse the seeded rows valid cases refer to.

Two things the document can't say, so the fuzzer can't know:
- An id a valid request refers to must exist (an unknown DepartmentID is 400, as documented):
  positive cases refer to the seeded departments, tags, tag groups and recipients. And
  UpdateWorkingHours lists each day once, open before it closes. TransferChat needs DepartmentID
  or AgentID, a rule across query parameters that OpenAPI has no way to state: a valid case
  without either gets the first seeded department.
- The server also takes the lenient forms docs/api.md lists ("Request fields": numeric strings,
  "true" and 1 for booleans, a single value or "1,2" for a list), which the document leaves out so
  generated clients get plain types: a negative case whose value is such a form gets a value no
  form allows instead, so it stays negative.

Each change keeps a case as valid or as invalid as it was.
"""

import os
import re

import schemathesis
from schemathesis.generation.modes import GenerationMode

MANAGER_ID = int(os.environ["FUZZ_MANAGER_ID"])
CHANNEL_ID = int(os.environ["FUZZ_CHANNEL_ID"])
# How many of each the seed made (tests/fuzz/seed.py).
SEEDED = 3
REFERENCES = {"DepartmentID", "AutoTagID", "TagGroupID", "RecipientID"}

BOOLEANS = {"Enabled", "IncludeInWelcomeMenu", "VerifiesIdentity", "IncludeChats", "PreferLastAgent"}
INTEGERS = {"Page", "PageSize", "After", "MenuIndex", "Day", "messageNumber",
            "MaxChatsPerAgent", "MaxAttachmentMB", "RequeueAfterOfflineMinutes",
            "UnassignedAlertSeconds", "AlertMailMinutes", "MaxChats"}
# Fields that are lists, by operation (TagID and DepartmentID are single ids elsewhere).
LISTS = {
    "/api/CreateAgent": {"DepartmentID"},
    "/api/UpdateAgent": {"DepartmentID", "Notifications"},
    "/api/CreateDepartment": {"AutoTagID"},
    "/api/UpdateDepartment": {"AutoTagID"},
    "/api/UpdateCustomer": {"TagID"},
    "/api/CreateReportSchedule": {"Grouping", "ScheduledDay"},
    "/api/UpdateSettings": {"WhitelistedDomains", "BlacklistedIPs"},
}
# Deleting a seeded row would leave later cases nothing to refer to.
SEEDED_DELETES = {"/api/DeleteTag": "TagID", "/api/DeleteRecipient": "RecipientID",
                  "/api/DeleteCannedResponse": "CannedResponseID"}


def _is_integer_field(name):
    return name in INTEGERS or (name.endswith("ID") and name != "chatSessionID")


def _lenient(lists, name, value):
    """Whether `value` is a lenient form the server takes for field `name` (and the document
    doesn't: a float like 2.0 is a JSON integer, true and false are booleans)."""
    if isinstance(value, bool) or value is None:
        return False
    if name in BOOLEANS:
        return value in (0, 1) or (
            isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"))
    if name in lists and not isinstance(value, list):
        return True
    if _is_integer_field(name):
        return isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value) is not None
    return False


def _unlenient(lists, value):
    """Replaces lenient forms anywhere in `value` by a value no form allows."""
    if isinstance(value, dict):
        for name, item in value.items():
            value[name] = {"not": "allowed"} if _lenient(lists, name, item) else _unlenient(lists, item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = _unlenient(lists, item)
    return value


def _working_week(days):
    """UpdateWorkingHours: each day once, and an enabled day closing after it opens."""
    seen = set()
    kept = []
    for day in days:
        if not isinstance(day, dict) or day.get("Day") in seen:
            continue
        seen.add(day.get("Day"))
        if day.get("Enabled") is True and str(day.get("StartTime")).strip() >= str(day.get("EndTime")).strip():
            day["StartTime"], day["EndTime"] = "00:00", "24:00"
        kept.append(day)
    return kept or days[:1]


def _seeded(value):
    if isinstance(value, list):
        return [_seeded(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 1:
        return (int(value) - 1) % SEEDED + 1
    return value


@schemathesis.hook
def map_case(ctx, case):
    path = ctx.operation.path
    body = case.body if isinstance(case.body, dict) else None
    query = case.query if isinstance(case.query, dict) else None
    if case.meta is not None and case.meta.generation.mode == GenerationMode.NEGATIVE:
        for fields in (body, query):
            if fields is not None:
                _unlenient(LISTS.get(path, set()), fields)
    elif query is not None and path == "/api/TransferChat":
        if query.get("DepartmentID") is None and query.get("AgentID") is None:
            query["DepartmentID"] = 1
    elif body is not None:
        # UpdateDepartment's own id may be any: what a body refers to is seeded.
        own = {"DepartmentID"} if path == "/api/UpdateDepartment" else set()
        for name in (REFERENCES - own) & body.keys():
            body[name] = _seeded(body[name])
        if path == "/api/UpdateWorkingHours" and isinstance(body.get("Days"), list):
            body["Days"] = _working_week(body["Days"])
    if body is not None:
        if path == "/api/CreateChannel" and isinstance(body.get("ChatServer"), str):
            body["ChatServer"] = re.sub(r"^(https?://)[^/:]+", r"\g<1>127.0.0.1", body["ChatServer"])
        if path == "/api/UpdateAgent" and body.get("AgentID") in (None, MANAGER_ID):
            if body.get("Enabled") is False:
                body["Enabled"] = True
            if body.get("RoleID") == 1:
                body["RoleID"] = 2
    if query is not None and path == "/api/DeleteChannel" and query.get("ChannelID") == CHANNEL_ID:
        query["ChannelID"] = CHANNEL_ID + 1000
    name = SEEDED_DELETES.get(path)
    if query is not None and name and isinstance(query.get(name), int) and 1 <= query[name] <= SEEDED:
        query[name] += 1000
    return case
