"""Write examples/chatgpt-export.zip: a small synthetic export in the real format, made to go
with the profiles in examples/home/ (account `personal`, GPT `travel`).

    python examples/make_example_export.py
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from export_builder import ConversationBuilder, write_export  # noqa: E402


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def main() -> None:
    travel, other = "g-TRAVEL123abc", "g-681c8e39d12c81918c7c9723fea1e4fb"
    conversations = []

    c = ConversationBuilder("a1b2c3d4-0001-4000-8000-000000000001", "Sourdough starter", at("2024-03-02T10:00:00"))
    c.turn("How do I feed a starter?", "Equal parts flour and water.")
    c.memory("Alex bakes sourdough at home.")
    conversations.append(c.build())

    c = ConversationBuilder("a1b2c3d4-0002-4000-8000-000000000002", "Trip ideas (someone else's GPT)",
                            at("2024-04-10T18:00:00"), gizmo_id=other, gizmo_type="gpt")
    # A key pasted into a chat that is now public (not a real key: random, of the right shape).
    c.turn("Ideas for Lisbon? My maps script uses key AIzaSyD3x9Qm2LkP7vR4tW8nB1cE6hJ0sU5yZfA",
           "Alfama, Belém, LX Factory.", gizmo_id=other)
    c.tool("browser", 'search("Lisbon trams")', "Tram 28 runs from Martim Moniz.")
    conversations.append(c.build())

    c = ConversationBuilder("a1b2c3d4-0003-4000-8000-000000000003", "Tax questions", at("2024-06-05T09:00:00"))
    c.turn("Is my side income taxable?", "Usually, yes.")
    c.tool("python", "print(1200*0.2)", "240.0")
    conversations.append({**c.build(), "is_do_not_remember": True})

    c = ConversationBuilder("a1b2c3d4-0004-4000-8000-000000000004", "Rate this poem", at("2024-07-01T20:00:00"))
    c.turn("Here is my poem", "Lovely imagery.")
    feedback_message = c.last
    conversations.append(c.build())

    c = ConversationBuilder("a1b2c3d4-0005-4000-8000-000000000005", "Book a flight to Oslo",
                            at("2024-08-12T08:00:00"), gizmo_id=travel, gizmo_type="gpt")
    c.turn("Find flights to Oslo on 3 Sept", "Searching.", gizmo_id=travel)
    c.action("api.flights.example", "searchFlights", travel, privacy_policy="https://flights.example/privacy")
    c.action("api.flights.example", "bookFlight", travel, method="post", consequential=True,
             privacy_policy="https://flights.example/privacy", approval="allow",
             params='{"to": "OSL", "date": "2024-09-03", "contact": "alex@example.com"}')
    c.action("track.adnet.example", "logEvent", travel, method="post", consequential=True,
             approval="allow")
    conversations.append(c.build())

    c = ConversationBuilder("a1b2c3d4-0006-4000-8000-000000000006", "Kitchen renovation (project)",
                            at("2024-09-01T12:00:00"), gizmo_id="g-p-68ea6bc6398c81918e5b560b1885dd70",
                            gizmo_type="snorlax")
    c.turn("Budget for new cabinets?", "Roughly 4,000 to 9,000 EUR.")
    conversations.append(c.build())

    path = write_export(HERE, conversations, email="alex@example.com", plus=True, zip_name="chatgpt-export.zip",
                        feedback=[{"message_id": feedback_message, "conversation_id": conversations[3]["id"],
                                   "user_id": "user-abc", "rating": "thumbsUp", "content": "{}"}],
                        shared=[{"id": "6f1d2c3b-aaaa-4bbb-8ccc-000000000001",
                                 "conversation_id": conversations[1]["id"],
                                 "title": "Trip ideas (someone else's GPT)", "is_anonymous": True},
                                # a chat deleted since: its link may still work
                                {"id": "6f1d2c3b-aaaa-4bbb-8ccc-000000000002",
                                 "conversation_id": "a1b2c3d4-0009-4000-8000-000000000009",
                                 "title": "Wedding speech draft", "is_anonymous": False}])
    print(path)


if __name__ == "__main__":
    main()
