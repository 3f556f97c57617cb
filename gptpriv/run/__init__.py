"""A run of `check` or `report` without the CLI: inputs in, typed answers out.

    run = CheckRun.open(store, ["chatgpt-export.zip"])
    with closing(run):
        for checked in run:          # Checked, one conversation at a time, in input order
            ...
    result = run.result()            # RunResult: exports, summary, next steps, deletions

The package: `inputs` (open the exports, pick each one's account, the filters), `passes` (one
or two passes: each conversation once, each export dated, what was deleted between two),
`checking` (resolve one export's conversations), `summary` (the totals), `result` (the types
the views read, and `--redact`), `status` and `setup` (the other two commands' work).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import IO, Any

from gptpriv.export import ExportReader
from gptpriv.policy.resolver import Settings
from gptpriv.profiles.model import Snapshot
from gptpriv.profiles.store import Store
from gptpriv.run.checking import check_export
from gptpriv.run.inputs import Filters, Input, open_inputs
from gptpriv.run.passes import Passes
from gptpriv.run.result import Checked, RunResult
from gptpriv.run.summary import Summary

# Wraps an input's stream of conversations, as the terminal's progress bar does.
Progress = Callable[[Generator[Any, None, None], ExportReader], Generator[Any, None, None]]


class CheckRun:
    """The conversations of some inputs, each resolved once; then what the whole run says."""

    def __init__(self, snapshot: Snapshot, inputs: list[Input], *, filters: Filters | None = None,
                 device: str | None = None, by_account_flag: bool = False, redact: bool = False,
                 progress: Progress | None = None) -> None:
        self.snapshot, self.inputs, self.filters = snapshot, inputs, filters or Filters()
        self.device, self.redact, self.progress = device, redact, progress
        self.summary = Summary()
        self.passes = Passes(inputs, by_account_flag)
        self._read: Generator[Checked, None, None] | None = None
        self.finished = False

    @classmethod
    def open(cls, store: Store, paths: list[str], *, account: str | None = None,
             device: str | None = None, stdin: IO[bytes] | None = None, scan: bool = True,
             **options: Any) -> CheckRun:
        """Every input opened (and so checked to be an export) before anything is read;
        `scan`: the text is scanned for sensitive data as it is read (gptpriv.scan)."""
        snapshot, inputs = open_inputs(store, paths, account, device, stdin, scan)
        return cls(snapshot, inputs, device=device, by_account_flag=account is not None, **options)

    def __iter__(self) -> Iterator[Checked]:
        if self._read is None:
            self._read = self._checked()
        return self._read

    def close(self) -> None:
        """Ends the reading (a parallel read ends its workers), also on Ctrl-C or an error."""
        if self._read is not None:
            self._read.close()
        self.passes.close()

    def _shown(self, items: Generator[Any, None, None], reader: ExportReader) -> Generator[Any, None, None]:
        return self.progress(items, reader) if self.progress else items

    def _checked(self) -> Generator[Checked, None, None]:
        passes, summary = self.passes, self.summary
        summary.scanned = any(item.reader.scan for item in self.inputs)
        try:
            if passes.two_pass:
                for k, item in enumerate(self.inputs):
                    read = item.reader.conversations()
                    try:
                        passes.scan(k, self._shown(read, item.reader), summary)
                    finally:
                        read.close()  # a parallel read ends its workers, also on Ctrl-C
                passes.settle()
            for k, (reader, choice) in enumerate(self.inputs):
                results = check_export(reader, Settings(choice.account, self.snapshot), self.filters,
                                       self.device, summary, passes.keep(k))
                try:
                    for facts, verdict in results if passes.two_pass else self._shown(results, reader):
                        checked = Checked(facts, verdict, reader.label, scanned=reader.scan)
                        yield checked.redacted() if self.redact else checked
                finally:
                    results.close()
        finally:
            passes.close()
        summary.duplicates = passes.duplicates
        summary.finish()
        self.finished = True

    def consume(self) -> CheckRun:
        """Reads every conversation, keeping none (what `setup`'s closing check needs)."""
        for _ in self:
            pass
        return self

    def result(self) -> RunResult:
        """What the run says once every input was read."""
        if not self.finished:
            raise RuntimeError("the run's inputs were not read to the end")
        result = RunResult(self.passes.exports(), self.summary, self.summary.next_steps(),
                           self.passes.deleted_between_exports())
        return result.redacted() if self.redact else result
