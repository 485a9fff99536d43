"""Progress of a long management command: a bar on a terminal, plain lines elsewhere.

On a terminal `[#########.....................] 6,000/20,000 rows` is redrawn in place when the
percentage changes. In CI and logs (output not a terminal), where a redrawn line would be noise,
a line `6,000 of 20,000 rows (30%)` is written at each tenth of the way, and at the end.
"""

from django.core.management.base import OutputWrapper


class CommandProgress:
    """Called with (done, total) as the work goes; `finish()` ends the bar's line."""

    WIDTH = 30
    LINES = 10  # plain lines over the whole run

    def __init__(self, out: OutputWrapper, unit: str):
        self.out = out
        self.unit = unit
        self.terminal = out.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        step = done * (100 if self.terminal else self.LINES) // total
        if step == self.shown:
            return
        self.shown = step
        if self.terminal:
            filled = self.WIDTH * done // total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            # Unstyled: stderr is red for errors, and this is no error.
            self.out.write(f"\r[{bar}] {done:,}/{total:,} {self.unit}", style_func=str, ending="")
            self.out.flush()
        else:
            self.out.write(
                f"{done:,} of {total:,} {self.unit} ({done * 100 // total}%)", style_func=str
            )

    def finish(self) -> None:
        if self.terminal and self.shown >= 0:
            self.out.write("", style_func=str)
        self.shown = -1
