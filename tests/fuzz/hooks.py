"""Schemathesis hooks for tests/fuzz/schemathesis.sh. They keep the fuzzer from cutting the branch
it sits on, and change only values that were valid into other valid ones, so no negative case
turns positive:
- CreateChannel's ChatServer host becomes 127.0.0.1, so generated host names are never looked up;
- UpdateAgent may not disable or demote the manager the fuzzer is logged on as (its session would
  end, and every later call would be 401 or 403);
- DeleteChannel may not delete the seeded channel whose apiKey the channel API is fuzzed with.
"""

import os
import re

import schemathesis

MANAGER_ID = int(os.environ["FUZZ_MANAGER_ID"])
CHANNEL_ID = int(os.environ["FUZZ_CHANNEL_ID"])


def _path(ctx):
    return ctx.operation.path


@schemathesis.hook
def map_body(ctx, body):
    path = _path(ctx)
    if not isinstance(body, dict):
        return body
    if path == "/api/CreateChannel" and isinstance(body.get("ChatServer"), str):
        body["ChatServer"] = re.sub(r"^(https?://)[^/:]+", r"\g<1>127.0.0.1", body["ChatServer"])
    if path == "/api/UpdateAgent" and body.get("AgentID") in (None, MANAGER_ID):
        if body.get("Enabled") is False:
            body["Enabled"] = True
        if body.get("RoleID") == 1:
            body["RoleID"] = 2
    return body


@schemathesis.hook
def map_query(ctx, query):
    if _path(ctx) == "/api/DeleteChannel" and isinstance(query, dict):
        if query.get("ChannelID") == CHANNEL_ID:
            query["ChannelID"] = CHANNEL_ID + 1000
    return query
