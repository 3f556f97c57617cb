"""`check` without the CLI: open the inputs, pick the account for each, resolve every
conversation, and count the results. Used by `gptpriv check` and `gptpriv report`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from datetime import datetime
from typing import IO, Any, NamedTuple, cast

from gptpriv.errors import InvalidValue, NotFound
from gptpriv.export import ExportReader, Facts, Skipped
from gptpriv.export.facts import plain_id
from gptpriv.policy.facts import CHAT_URL, FAIL_ON, SharedLink, verdict_word
from gptpriv.policy.resolver import Settings, Verdict, resolve, verdict_dict
from gptpriv.policy.steps import NextSteps
from gptpriv.profiles.model import Account, Snapshot
from gptpriv.profiles.store import Store
from gptpriv.timeutil import iso_utc


class AccountChoice(NamedTuple):
    account: Account | None
    why: str


def pick_account(snapshot: Snapshot, flag_account: Account | None, current: Account | None,
                 reader: ExportReader) -> AccountChoice:
    """--account, else the profile whose email is in the export's user.json, else the current
    account when the export has no user.json. An email that matches no profile, or several
    (hand-edited profiles), is not guessed into an account: every verdict could flip."""
    from gptpriv.profiles.accounts import accounts_with_email

    if flag_account is not None:
        return AccountChoice(flag_account, "given with --account")
    email = reader.user.email.strip() if reader.user and reader.user.email else None
    if email:
        matches = accounts_with_email(list(snapshot.accounts), email)
        if len(matches) == 1:
            return AccountChoice(matches[0], f"its email `{email}` is in the export's user.json")
        if matches:
            names = ", ".join(f"`{a.name}`" for a in matches)
            return AccountChoice(None, f"the export's user.json email `{email}` is on several "
                                       f"account profiles ({names}): give `--account`")
        return AccountChoice(None, f"the export's user.json email `{email}` matches no account "
                                   "profile")
    if current is not None:
        return AccountChoice(current, "the current account; the export has no user.json")
    return AccountChoice(None, "no account profile yet")


class Input(NamedTuple):
    reader: ExportReader
    choice: AccountChoice


def open_inputs(store: Store, paths: list[str], account: str | None, device: str | None,
                stdin: IO[bytes] | None) -> tuple[Snapshot, list[Input]]:
    """The profiles, and each input opened with the account it is checked against. Every
    input is opened (and so checked to be an export) before anything is read."""
    from gptpriv.profiles import load_snapshot
    from gptpriv.profiles.accounts import current_account, load_account

    snapshot = load_snapshot(store)
    flag_account = load_account(store, account) if account else None
    current_name, _ = current_account(store)
    current = next((a for a in snapshot.accounts if a.name == current_name), None)
    inputs = []
    for path in paths:
        reader = ExportReader(path, stdin)
        choice = pick_account(snapshot, flag_account, current, reader)
        if device and (choice.account is None or choice.account.device(device) is None):
            raise InvalidValue(f"no device named `{device}` on the account used for {reader.label}")
        inputs.append(Input(reader, choice))
    return snapshot, inputs


def gpt_ids(snapshot: Snapshot, values: list[str]) -> list[str]:
    """`--gpt` values as ids: a `g-...` id as it is, a profile name through its profile."""
    ids = []
    for value in values:
        if value.startswith("g-"):
            ids.append(value)
            continue
        gpt = snapshot.gpt_by_name(value)
        if gpt is None or not gpt.id:
            raise NotFound(f"no GPT profile `{value}` with an id to filter on")
        ids.append(gpt.id)
    return ids


def check_verdicts(values: list[str]) -> list[str]:
    """`--verdict` values as verdicts: the words `check` prints, with spaces or underscores."""
    words = []
    for value in values:
        word = verdict_word(value)
        if word is None:
            raise InvalidValue(f"invalid --verdict `{value}`: use eligible, not_eligible (or "
                               "\"not eligible\"), undetermined")
        words.append(word)
    return words


def check_fail_on(value: str | None) -> str | None:
    if value is not None and value not in FAIL_ON:
        raise InvalidValue(f"invalid --fail-on `{value}`: use {', '.join(FAIL_ON)}")
    return value


def fails(fail_on: str | None, row: dict[str, Any]) -> bool:
    """Whether one conversation's row trips `--fail-on`."""
    if fail_on == "disclosure":  # a call that sent data to a third party; a shared link is `shared`
        return any(d["rule"] != "disclosure.shared_link" and d["sent"] for d in row["third_parties"])
    if fail_on == "shared":
        return any(d["rule"] == "disclosure.shared_link" for d in row["third_parties"])
    return fail_on is not None and row["verdict"] == fail_on


class Filters(NamedTuple):
    verdicts: frozenset[str] = frozenset()
    gpt_ids: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    ids: frozenset[str] = frozenset()

    def keep(self, facts: Facts, verdict: Verdict) -> bool:
        if self.ids and facts.id not in self.ids:
            return False
        if self.verdicts and verdict.verdict not in self.verdicts:
            return False
        if self.gpt_ids and not self.gpt_ids & set(facts.conversation.gpt_ids):
            return False
        created = facts.create_time
        if self.since and (created is None or created < self.since):
            return False
        return not (self.until and (created is None or created >= self.until))


def conversation_dict(facts: Facts, verdict: Verdict, export: str, redact: bool) -> dict[str, Any]:
    resolved, conversation = verdict_dict(verdict), facts.conversation
    if redact and conversation.shared_links:  # a share URL grants read access: hidden too
        for d in cast(list[dict[str, Any]], resolved["disclosures"]):
            if "url" in d:
                d["url"] = None
    return {
        "id": facts.id, "export": export, "index": facts.index,
        "url": f"{CHAT_URL}{facts.id}" if facts.id else None,
        "title": None if redact else facts.title,
        "create_time": iso_utc(facts.create_time) if facts.create_time else None,
        "update_time": iso_utc(facts.update_time) if facts.update_time else None,
        "gpt_ids": list(conversation.gpt_ids), "project_ids": list(conversation.project_ids),
        "verdict": resolved["verdict"], "reasons": resolved["reasons"],
        "missing": resolved["missing"], "notices": resolved["notices"],
        "third_parties": resolved["disclosures"], "feedback": conversation.feedback,
        "tools": facts.tools, "memory_writes": facts.memory_writes,
    }


class Summary:
    def __init__(self) -> None:
        self.verdicts: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.parties: Counter[str] = Counter()
        # Skipped conversations ({export, index, offset, id, message}) and problems with an
        # export as a whole ({file, message}), in the order they were found.
        self.errors: list[dict[str, Any]] = []
        self.steps = NextSteps()
        self.unmatched: list[dict[str, Any]] = []
        # A link is counted once however many exports list it (exports of one account list the
        # same links): by its URL. One whose conversation was in none of the run's inputs is
        # known only when all were read.
        self._shown_links: set[str] = set()
        self._pending_links: dict[str, tuple[SharedLink, str | None, bool]] = {}
        self._libraries: list[int] = []  # each export's count, when it has library_files.json
        self.skipped = 0
        self.duplicates = 0  # copies of a conversation already counted, dropped

    def add(self, verdict: Verdict, conversation_id: str | None = None) -> None:
        self.verdicts[verdict.verdict] += 1
        self.rules.update(r.rule for r in verdict.reasons)
        if verdict.disclosures:
            # Shared links are counted apart: `third_parties` counts calls.
            self.parties.update(d.party for d in verdict.disclosures
                                if d.rule != "disclosure.shared_link" and d.sent)
            self._shown_links.update(d.url or "" for d in verdict.disclosures
                                     if d.rule == "disclosure.shared_link")
        self.steps.add(conversation_id, verdict)

    def unmatched_link(self, link: SharedLink, conversation_id: str | None, redact: bool) -> None:
        """A shared link whose conversation is not in this export: listed at the end (it may
        still work) unless another input of the run has that conversation and the link."""
        self._pending_links.setdefault(link.url, (link, conversation_id, redact))

    def finish(self) -> None:
        """Once every input was read: the links whose conversation no input had."""
        for url, (link, conversation_id, redact) in self._pending_links.items():
            if url not in self._shown_links:
                self.unmatched.append({"url": None if redact else link.url,
                                       "title": None if redact else link.title,
                                       "anonymous": link.anonymous})
                self.steps.shared_elsewhere(conversation_id)
        self._pending_links.clear()

    @property
    def shared_links(self) -> int:
        """Every link once: those of the conversations counted, and those of none."""
        return len(self._shown_links) + len(self.unmatched)

    @property
    def library_files(self) -> int | None:
        """Exports of one account list the same Library: the largest count, not their sum;
        None when no export had a library_files.json."""
        return max(self._libraries) if self._libraries else None

    def skip(self, skipped: Skipped) -> None:
        self.skipped += 1
        self.errors.append({"export": skipped.part, "index": skipped.index,
                            "offset": skipped.offset if skipped.offset >= 0 else None,
                            "id": skipped.id, "message": skipped.message})

    def malformed(self, facts: Facts, export: str) -> None:
        """Fields of a conversation that was checked, present but unreadable: `path` names
        the field, so a reader tells them from skipped conversations (which have no path)."""
        for path, message in facts.problems:
            self.errors.append({"export": export, "index": facts.index,
                                "offset": facts.offset if facts.offset >= 0 else None,
                                "id": facts.id, "message": message, "path": path})

    def export_read(self, reader: ExportReader) -> None:
        """What an export says about itself, once it was read."""
        self.errors += [{"file": p.file, "message": p.message} for p in reader.problems]
        if reader.library_files is not None:
            self._libraries.append(reader.library_files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": sum(self.verdicts.values()),
            "eligible": self.verdicts["eligible"], "not_eligible": self.verdicts["not_eligible"],
            "undetermined": self.verdicts["undetermined"], "skipped": self.skipped,
            "duplicates": self.duplicates,
            "by_rule": dict(sorted(self.rules.items())),
            "third_parties": dict(sorted(self.parties.items())),
            "shared_links": self.shared_links, "unmatched_shared_links": self.unmatched,
            "library_files": self.library_files,
            "errors": self.errors,
        }


def shared_links(reader: ExportReader) -> dict[str, tuple[SharedLink, ...]]:
    """The export's shared links by plain conversation id (links without one under "")."""
    links: dict[str, tuple[SharedLink, ...]] = {}
    for entry in reader.shared_links:
        key = plain_id(entry.conversation_id or "")
        links[key] = (*links.get(key, ()), SharedLink(entry.id or "", entry.title, entry.is_anonymous))
    return links


def check_export(reader: ExportReader, settings: Settings, filters: Filters, device: str | None,
                 summary: Summary, redact: bool = False,
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
                summary.add(verdict, item.id)
                if item.problems:
                    summary.malformed(item, reader.label)
                yield item, verdict
        by_id = {plain_id(e.conversation_id or ""): e.conversation_id for e in reader.shared_links}
        for key, found in links.items():
            if key not in matched:
                for link in found:
                    summary.unmatched_link(link, by_id.get(key), redact)
        summary.export_read(reader)
    finally:
        items.close()  # closed with this one (a parallel read ends its workers)
