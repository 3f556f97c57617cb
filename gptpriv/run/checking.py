"""One export's conversations resolved as they are read: each joined with its shared links
and the device the user names, judged by the resolver, and counted in the run's summary."""

from __future__ import annotations

from collections.abc import Generator

from gptpriv.export import ExportReader, Facts, Skipped
from gptpriv.export.facts import plain_id
from gptpriv.policy.facts import SharedLink
from gptpriv.policy.resolver import Settings, Verdict, resolve
from gptpriv.run.inputs import Filters
from gptpriv.run.summary import Summary


def shared_links(reader: ExportReader) -> dict[str, tuple[SharedLink, ...]]:
    """The export's shared links by plain conversation id (links without one under "")."""
    links: dict[str, tuple[SharedLink, ...]] = {}
    for entry in reader.shared_links:
        key = plain_id(entry.conversation_id or "")
        links[key] = (*links.get(key, ()), SharedLink(entry.id or "", entry.title, entry.is_anonymous))
    return links


def check_export(reader: ExportReader, settings: Settings, filters: Filters, device: str | None,
                 summary: Summary,
                 items: Generator[Facts | Skipped, None, None] | None = None,
                 ) -> Generator[tuple[Facts, Verdict], None, None]:
    """Resolve each conversation as it is read (or those of `items`, the reader's
    conversations that count); skipped ones go to the summary, and so do shared links whose
    conversation is not in the export, once it is read to the end."""
    links = shared_links(reader)
    matched: set[str] = set()
    items = reader.conversations() if items is None else items
    try:
        for item in items:
            if isinstance(item, Skipped):
                summary.skip(item)
                continue
            conversation = item.conversation
            if device:  # the user says where these conversations came from
                conversation = conversation._replace(
                    device=device, sources={**conversation.sources, "device": "--device option"})
            if links and conversation.id:
                key = plain_id(conversation.id)
                if key in links:
                    matched.add(key)
                    conversation = conversation._replace(shared_links=links[key])
                    item = item._replace(conversation=conversation)
            verdict = resolve(settings, conversation)
            if filters.keep(item, verdict):
                summary.add(verdict, item.id, item.create_time, conversation.findings)
                if item.problems:
                    summary.malformed(item, reader.label)
                yield item, verdict
        by_id = {plain_id(e.conversation_id or ""): e.conversation_id for e in reader.shared_links}
        for key, found in links.items():
            if key not in matched:
                for link in found:
                    summary.unmatched_link(link, by_id.get(key))
        summary.export_read(reader)
    finally:
        items.close()  # closed with this one (a parallel read ends its workers)
