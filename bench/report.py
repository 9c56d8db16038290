"""The benchmark table: one row per figure, with its target, the measured median, ratio and verdict."""
import statistics


class Row:
    """One measured figure. `limit` is the target's bound (None: reported only); `lower_is_better`
    decides the verdict; `unit` formats both; `note` says how it was measured or why it is n/a."""

    def __init__(self, name, measured, limit=None, unit="ms", target=None, note="", samples=()):
        self.name, self.measured, self.limit, self.unit = name, measured, limit, unit
        self.target = target if target is not None else (fmt(limit, unit) if limit is not None else "-")
        self.note, self.samples = note, list(samples)

    def ratio(self):
        if self.measured is None or not self.limit:
            return None
        return self.measured / self.limit

    def verdict(self):
        if self.measured is None:
            return "n/a"
        if self.limit is None:
            return "info"
        return "pass" if self.measured <= self.limit else "MISS"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, unit):
    if value is None:
        return "n/a"
    if unit == "ms":
        return "%.0f ms" % value if value >= 10 else "%.2f ms" % value
    if unit == "s":
        return "%.2f s" % value
    if unit == "MiB":
        return "%.1f MiB" % value
    if unit == "%":
        return "%.3f %%" % value
    if unit == "x":
        return "%.2fx" % value if value >= 0.1 else "%.4fx (1/%.0f)" % (value, 1 / value)
    if unit == "":
        return "%.1f" % value if isinstance(value, float) else str(value)
    return "%.1f %s" % (value, unit)


def table(rows):
    """The table as text: benchmark | target | measured (median) | ratio | verdict, notes below."""
    head = ("benchmark", "target", "measured", "ratio", "result")
    lines = [(r.name, r.target, fmt(r.measured, r.unit),
              "%.2f" % r.ratio() if r.ratio() is not None else "-", r.verdict()) for r in rows]
    widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    out = []
    for i, line in enumerate([head] + lines):
        out.append("  ".join(c.ljust(widths[k]) if k == 0 else c.rjust(widths[k])
                             for k, c in enumerate(line)).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    notes = []
    for r in rows:
        spread = [v for v in r.samples if v is not None]
        text = r.note
        if len(spread) > 1:
            text += "%srange %s .. %s" % ("; " if text else "", fmt(min(spread), r.unit), fmt(max(spread), r.unit))
        if text:
            notes.append("- %s: %s" % (r.name, text))
    if notes:
        out += ["", "notes:"] + notes
    return "\n".join(out)
