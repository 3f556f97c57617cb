"""Several exports in one run (or both layouts of one): each conversation counted once, each
export dated, and what was deleted between two exports of the same account.

Conversations are never kept in memory. Deduplicating by "the latest `update_time` wins"
cannot be decided while the first input streams by, so a run that can hold the same
conversation twice (several inputs, or a folder or ZIP with both `conversations.json` and
`conversations-NNN.json`) goes in two passes. The first reads every input once, keeps one
integer per conversation copy in memory (id hash, update time, input, position: about 60
bytes) and writes each copy's facts (no message text: about 470 bytes) to an unlinked
temporary file. The second replays that file, keeping only the winning copies: reading the
facts back costs about 10 ms per 1,000 conversations, against about 170 ms to read them from
the export again. A single input with one layout is read once, as before, with no temporary
file; a repeated id inside it keeps its first copy (real exports do not repeat ids).
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Generator, Iterable
from datetime import datetime, timezone
from typing import IO, NamedTuple

import msgspec

from gptpriv.errors import InvalidValue
from gptpriv.export import ExportError, ExportReader, Facts, Skipped
from gptpriv.policy.retention import deletion_notices
from gptpriv.profiles.checks import email_key
from gptpriv.run.inputs import Input
from gptpriv.run.result import Deleted, ExportInfo
from gptpriv.run.summary import Summary
from gptpriv.timeutil import iso_utc

# One conversation copy as one integer, ordered so that sorting groups the copies of an id and
# puts the winner last: id hash, then update time (microseconds), then input, then position.
_SEQ_BITS, _INPUT_BITS, _TIME_BITS = 28, 12, 56
_SEQ_MASK, _INPUT_MASK = (1 << _SEQ_BITS) - 1, (1 << _INPUT_BITS) - 1
_TIME_MAX = (1 << _TIME_BITS) - 1
_LOW = _SEQ_BITS + _INPUT_BITS + _TIME_BITS
_HASH_MASK = (1 << 64) - 1
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
# The first pass's facts as msgpack, as workers already send them (parallel.py), each framed
# by its length.
_ENCODE = msgspec.msgpack.Encoder().encode
_DECODE = msgspec.msgpack.Decoder(Facts).decode
_LENGTH = struct.Struct("<I")

AS_OF_MANIFEST = "manifest"
# The latest update_time or create_time in the export: the export was made at or after it.
AS_OF_LATEST = "latest_conversation_time"

def _key(conversation_id: str) -> int:
    # Python's str hash: 64 bits of SipHash, keyed per process, which is enough because both
    # passes run in this process. Two different ids share a key with a chance of about
    # n^2 / 2^65: 3e-10 for 100,000 conversations.
    return hash(conversation_id) & _HASH_MASK


def _micros(when: datetime | None) -> int:
    if when is None:
        return 0  # an undated copy loses to any dated one
    return max(0, min(_TIME_MAX, int(when.timestamp() * 1_000_000)))


def manifest_time(reader: ExportReader) -> datetime | None:
    """The export's own date from its manifest (2026 exports: `requested_at`), if it has one."""
    return reader.manifest.requested_at if reader.manifest is not None else None


def account_key(item: Input, by_flag: bool) -> tuple[str, str] | None:
    """Which inputs are exports of one account: the same `--account`, else the same user.json
    email (trimmed, case-folded). Without either, an input is compared with nothing."""
    if by_flag:
        return ("account", item.choice.account.name) if item.choice.account else None
    email = email_key(item.reader.user.email) if item.reader.user else None
    return ("email", email) if email else None


class _Deleted(NamedTuple):
    last_seen: int  # input index
    missing_from: int


class Passes:
    """The inputs of one `check` or `report`, read in one or two passes (see the module)."""

    def __init__(self, inputs: list[Input], by_account_flag: bool) -> None:
        if len(inputs) > _INPUT_MASK:
            raise InvalidValue(f"too many inputs: at most {_INPUT_MASK} in one run")
        self.inputs, self.by_flag = inputs, by_account_flag
        self.two_pass = len(inputs) > 1 or any(i.reader.parts.mixed for i in inputs)
        self.duplicates = 0
        self._latest: list[datetime | None] = [None] * len(inputs)
        self._counts = [0] * len(inputs)
        self._entries: list[int] = []  # first pass only; freed by settle()
        self._winners: list[bytearray] = []  # per input, one bit per conversation
        self._seen: set[int] = set()  # one-pass runs: the ids read so far
        self._deleted: dict[tuple[int, int], list[_Deleted]] = {}
        self.deleted: list[Deleted] = []
        # The first pass's facts, input after input; each input's first byte in it.
        self._spool: IO[bytes] | None = None
        self._starts = [0] * len(inputs)

    def close(self) -> None:
        """The first pass's spool, also when the run ends early (an error, Ctrl-C)."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    # -- the first pass --------------------------------------------------------------------

    def scan(self, k: int, items: Iterable[Facts | Skipped], summary: Summary) -> None:
        """Note every copy of input `k`; malformed conversations are counted here, once."""
        seq, entries = 0, self._entries
        base = k << _SEQ_BITS
        if self._spool is None:
            self._spool = tempfile.TemporaryFile(buffering=1 << 20)  # noqa: SIM115 (closed by keep())
        spool, encode, length = self._spool, _ENCODE, _LENGTH.pack
        self._starts[k] = spool.tell()
        for item in items:
            if isinstance(item, Skipped):
                summary.skip(item)
                continue
            data = encode(item)
            spool.write(length(len(data)) + data)
            self._date(k, item)
            if item.id is not None:
                entries.append((_key(item.id) << _LOW) | (_micros(item.update_time) << (_LOW - _TIME_BITS))
                               | base | seq)
            seq += 1
            if seq > _SEQ_MASK:
                raise ExportError(f"{self.inputs[k].reader.label}: more than {_SEQ_MASK} conversations")
        self._counts[k] = seq

    def settle(self) -> None:
        """Pick each id's winning copy, and find what was deleted between exports."""
        self._winners = [bytearray(b"\xff" * ((n + 7) // 8)) for n in self._counts]
        groups = self._groups()
        entries, self._entries = self._entries, []
        entries.sort()
        start = 0
        for end in range(1, len(entries) + 1):
            if end < len(entries) and entries[end] >> _LOW == entries[start] >> _LOW:
                continue
            present: list[int] = []
            for entry in entries[start:end - 1]:  # every copy but the last, the winner, loses
                k, seq = (entry >> _SEQ_BITS) & _INPUT_MASK, entry & _SEQ_MASK
                self._winners[k][seq >> 3] &= ~(1 << (seq & 7)) & 0xFF
                present.append(k)
            winner = entries[end - 1]
            k, seq = (winner >> _SEQ_BITS) & _INPUT_MASK, winner & _SEQ_MASK
            present.append(k)
            self.duplicates += end - 1 - start
            if groups:
                found = self._missing(present, groups)
                if found:
                    self._deleted[(k, seq)] = found
            start = end

    def _groups(self) -> dict[int, tuple[int, list[int]]]:
        """Input -> (its account group, the group's inputs oldest first), for groups of two or
        more; inputs of different accounts are never compared."""
        by_key: dict[tuple[str, str], list[int]] = {}
        for k, item in enumerate(self.inputs):
            key = account_key(item, self.by_flag)
            if key is not None:
                by_key.setdefault(key, []).append(k)
        found: dict[int, tuple[int, list[int]]] = {}
        for number, members in enumerate(m for m in by_key.values() if len(m) > 1):
            ordered = sorted(members, key=lambda k: (self.as_of(k)[0] or _EARLIEST, k))
            found.update((k, (number, ordered)) for k in members)
        return found

    @staticmethod
    def _missing(present: list[int], groups: dict[int, tuple[int, list[int]]]) -> list[_Deleted]:
        """For each account group the id appears in: deleted when its newest export lacks it."""
        last: dict[int, tuple[int, list[int]]] = {}  # group -> (latest position seen, order)
        for k in present:
            if k in groups:
                number, ordered = groups[k]
                position = ordered.index(k)
                if number not in last or position > last[number][0]:
                    last[number] = (position, ordered)
        return [_Deleted(ordered[position], ordered[position + 1])
                for position, ordered in last.values() if position < len(ordered) - 1]

    # -- the real pass ---------------------------------------------------------------------

    def keep(self, k: int) -> Generator[Facts | Skipped, None, None]:
        """The conversations of input `k` that count, each id once: in a two-pass run, the
        winning copies replayed from the first pass; else the input read now."""
        if not self.two_pass:
            yield from self._once(k, self.inputs[k].reader.conversations())
            return
        assert self._spool is not None
        spool, bits, decode, size = self._spool, self._winners[k], _DECODE, _LENGTH.size
        spool.flush()
        spool.seek(self._starts[k])
        for seq in range(self._counts[k]):
            (length,) = _LENGTH.unpack(spool.read(size))
            if not bits[seq >> 3] >> (seq & 7) & 1:
                spool.seek(length, 1)
                continue
            item = decode(spool.read(length))
            for found in self._deleted.get((k, seq), ()):
                self._note_deleted(item, found)
            yield item
        if k == len(self.inputs) - 1:
            spool.close()

    def _once(self, k: int, items: Generator[Facts | Skipped, None, None]) -> Generator[Facts | Skipped, None, None]:
        # This runs for every conversation of the common case (one input read once): kept to
        # a set lookup and two comparisons, under 1% of the time of reading the conversation.
        seen, latest = self._seen, self._latest[k]
        try:
            for item in items:
                if type(item) is Facts:
                    updated, created = item.update_time, item.conversation.create_time
                    if updated is not None and (latest is None or updated > latest):
                        latest = updated
                    if created is not None and (latest is None or created > latest):
                        latest = created
                    conversation_id = item.conversation.id
                    if conversation_id is not None:
                        key = hash(conversation_id)  # see _key(): one process, 64 bits
                        if key in seen:
                            self.duplicates += 1
                            continue
                        seen.add(key)
                yield item
        finally:
            self._latest[k] = latest
            items.close()  # the reader's generator: a parallel read ends its workers now

    def _date(self, k: int, facts: Facts) -> None:
        for when in (facts.update_time, facts.create_time):
            latest = self._latest[k]
            if when is not None and (latest is None or when > latest):
                self._latest[k] = when

    def _note_deleted(self, facts: Facts, found: _Deleted) -> None:
        since, until = self.as_of(found.last_seen)[0], self.as_of(found.missing_from)[0]
        account = self.inputs[found.missing_from].choice.account
        self.deleted.append(Deleted(
            facts.id, facts.title, self.inputs[found.last_seen].reader.label,
            self.inputs[found.missing_from].reader.label, since, until,
            deletion_notices(since, until, account.plan if account else None)))

    # -- results ---------------------------------------------------------------------------

    def as_of(self, k: int) -> tuple[datetime | None, str | None]:
        """When input `k` was exported: its manifest's time, else the latest conversation time
        in it (a lower bound)."""
        manifest = manifest_time(self.inputs[k].reader)
        if manifest is not None:
            return manifest, AS_OF_MANIFEST
        latest = self._latest[k]
        return latest, AS_OF_LATEST if latest else None

    def exports(self) -> list[ExportInfo]:
        return [ExportInfo(reader.label, choice.account.name if choice.account else None, choice.why,
                           *self.as_of(k))
                for k, (reader, choice) in enumerate(self.inputs)]

    def deleted_between_exports(self) -> list[Deleted]:
        return sorted(self.deleted, key=lambda d: (_text(d.until), _text(d.since), d.id or ""))


def _text(when: datetime | None) -> str:
    """A time as the deleted list was sorted by: its ISO text, none first."""
    return iso_utc(when) if when else ""
