"""Gives the fuzzed desk something to find: a few departments, tags, canned responses, a
recipient, a channel and chats with messages, so that small ids exist and operations on them can
succeed. Prints the manager's session tokens, its agent id and the channel's keys as JSON."""

import json
import sys
import urllib.request

BASE, EMAIL, PASSWORD = sys.argv[1:4]


def call(path, body=None, token=None, method="POST", headers=None):
    url = f"{BASE}{path}"
    if path.startswith("/api/") and not path.startswith("/api/v2/"):
        url += ("&" if "?" in url else "?") + "Version=1.0"
    request = urllib.request.Request(url, method=method, headers=headers or {})
    if token:
        request.add_header("SessionToken", token)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, data, timeout=30) as response:
        return json.load(response)


def logon():
    return call("/api/AgentLogon", {"EmailAddress": EMAIL, "Password": PASSWORD})


me = logon()
token = me["SessionToken"]
for n in range(1, 4):
    group = call("/api/CreateTagGroup", {"Name": f"Group {n}"}, token)
    call("/api/CreateTag", {"TagGroupID": group["TagGroupID"], "Name": f"Tag {n}"}, token)
    call("/api/CreateDepartment", {"Name": f"Department {n}"}, token)
    call("/api/CreateCannedResponse", {"Name": f"Canned {n}", "MessageText": "Hello #CUSTOMERNAME#"}, token)
    call("/api/CreateRecipient", {"FullName": f"Recipient {n}", "EmailAddress": f"r{n}@example.com"}, token)
# Replies go to a port nothing listens on: deliveries fail at once, on this machine.
channel = call("/api/CreateChannel", {"Name": "Fuzz", "ChatServer": "http://127.0.0.1:9"}, token)
keys = {"apiKey": channel["ApiKey"]}
for n in range(1, 6):
    call(
        "/api/v2/chat/notifyUserNewChatMessage",
        {
            "chatServer": "127.0.0.1:9",
            "chatSessionID": f"+2782000000{n}",
            "chatAccountToken": channel["ChatAccountToken"],
            "message": f"Hello, this is customer {n}",
            "customerName": f"Customer {n}",
            "phoneNumber": f"+2782000000{n}",
        },
        headers=keys,
    )
print(
    json.dumps(
        {
            "token": token,
            "logoff_token": logon()["SessionToken"],
            "agent_id": me["Agent"]["AgentID"],
            "channel_id": channel["ChannelID"],
            "api_key": channel["ApiKey"],
            "account_token": channel["ChatAccountToken"],
        }
    )
)
