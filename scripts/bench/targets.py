"""The targets of issue 13 ("Every read fast at 200,000 records"), checked against a run of
`make bench`: for each read and scale the target, the measured value and met / not met, and
the rule "10x the rows may cost at most 1.3x the time for each indexed read" as a
large-over-small ratio per read (only when both scales ran in the same run).

Used by bench.py, which stores ``check(results)`` in the results' JSON under "targets" and
writes ``markdown(...)`` next to it (bench/results/<stamp>-targets.md, latest-targets.md).
"""

# (read, measure, kind, endpoint of bench.endpoints(), target). Kinds:
#   ms     one request alone (bench's unloaded request), at most the target
#   rps    requests per second under 16 connections, at least the target
#   rows   the CSV export's rows per second, at least the target
#   share  the API's req/s over the floor's (bench.FLOOR_OF), at least the target
TARGETS = [
    ("global search `q=`", "one request", "ms", "global search", 50),
    ("global search `q=`", "under load", "rps", "global search", 100),
    ("outlets search `q=`", "one request", "ms", "outlets search", 30),
    ("outlets search `q=`", "under load", "rps", "outlets search", 150),
    ("statistics summary", "one request", "ms", "statistics summary", 50),
    ("statistics summary", "under load", "rps", "statistics summary", 100),
    ("country profile", "one request", "ms", "country profile", 30),
    ("country profile", "under load", "rps", "country profile", 150),
    ("policies `in_force_on`", "one request", "ms", "policies in_force_on", 20),
    ("policies `in_force_on`", "under load", "rps", "policies in_force_on", 200),
    ("CSV export", "rows/s", "rows", None, 20_000),
    ("statistics list, cold", "share of the floor's req/s", "share", "statistics list", 0.5),
    ("statistic detail, cold", "share of the floor's req/s", "share", "statistic detail", 0.5),
    (
        "statistic detail, warm",
        "share of the floor's req/s",
        "share",
        "statistic detail, warm",
        1.0,
    ),
]
# Reads whose time may grow at most MAX_GROWTH times with 10x the rows: p50 under load (the
# median of many requests; one request alone is a single, noisy sample), and for the CSV the
# time per row.
SCALING_READS = [
    ("statistics list, cold", "statistics list"),
    ("statistic detail, cold", "statistic detail"),
    ("policies `in_force_on`", "policies in_force_on"),
    ("country profile", "country profile"),
    ("outlets search `q=`", "outlets search"),
    ("global search `q=`", "global search"),
    ("statistics summary", "statistics summary"),
    ("CSV export (time per row)", None),
]
MAX_GROWTH = 1.3
# The floor each share is taken of (bench.FLOOR_OF).
FLOOR_OF = {
    "statistics list": "floor list",
    "statistic detail": "floor detail",
    "statistic detail, warm": "floor detail",
    "global search": "floor search",
}
# "Constant memory" for the CSV: the large export's peak worker RSS growth within this many MiB
# of the small one's (the sampling every 50 ms sees the allocator's noise).
CSV_MEMORY_SLACK_MIB = 16


def _share(result, name):
    api = result["endpoints"].get(name)
    floor = result["endpoints"].get(FLOOR_OF[name])
    if not api or not floor or not floor["rps"]:
        return None
    return api["rps"] / floor["rps"]


def measured(result, kind, endpoint):
    """The value a target is checked against, or None when the run has none."""
    if kind == "rows":
        export = result.get("csv_export") or {}
        return None if export.get("error") else export.get("rows_per_s")
    if kind == "share":
        return _share(result, endpoint)
    stats = result["endpoints"].get(endpoint)
    if not stats:
        return None
    if kind == "ms":
        return stats["unloaded"].get("ms")
    return stats["rps"]


def is_met(kind, value, target):
    if value is None:
        return False
    return value <= target if kind == "ms" else value >= target


def show(kind, value):
    if value is None:
        return "-"
    if kind == "ms":
        return f"{value:,.1f} ms"
    if kind == "rps":
        return f"{value:,.1f} req/s"
    if kind == "rows":
        return f"{value:,.0f} rows/s"
    return f"{value:.0%}"


def show_target(kind, target):
    return {
        "ms": f"<= {target} ms",
        "rps": f">= {target} req/s",
        "rows": f">= {target:,} rows/s",
        "share": f">= {target:.0%}",
    }[kind]


def p50_or_per_row(result, endpoint):
    """The time that may grow at most MAX_GROWTH times: the p50 (ms) under load, or for the
    CSV (``endpoint`` None) the milliseconds per row."""
    if endpoint is None:
        export = result.get("csv_export") or {}
        rate = None if export.get("error") else export.get("rows_per_s")
        return 1000 / rate if rate else None
    stats = result["endpoints"].get(endpoint)
    return stats.get("p50_ms") if stats else None


def check(results):
    """{"by_scale": {scale: [row]}, "scaling": [row] or a reason it is missing}."""
    scales = results["scales"]
    by_scale = {}
    for scale, result in scales.items():
        rows = []
        for read, measure, kind, endpoint, target in TARGETS:
            value = measured(result, kind, endpoint)
            text = show(kind, value)
            if kind == "rows" and (result.get("csv_export") or {}).get("cut_short"):
                text += f" (first {result['csv_export']['rows']:,} rows)"
            rows.append(
                {
                    "read": read,
                    "measure": measure,
                    "kind": kind,
                    "target": target,
                    "target_text": show_target(kind, target),
                    "value": None if value is None else round(value, 3),
                    "value_text": text,
                    "met": is_met(kind, value, target),
                }
            )
        by_scale[scale] = rows
    out = {
        "by_scale": by_scale,
        "max_growth": MAX_GROWTH,
        "csv_floor_share": {
            scale: (result.get("csv_export") or {}).get("floor_share")
            for scale, result in scales.items()
        },
        "search_floor_share": {
            scale: _share(result, "global search") for scale, result in scales.items()
        },
    }
    if "small" not in scales or "large" not in scales:
        out["scaling"] = "needs both scales in the same run (BENCH_SCALES=small,large)"
        return out
    small, large = scales["small"], scales["large"]
    scaling = []
    for read, endpoint in SCALING_READS:
        a, b = p50_or_per_row(small, endpoint), p50_or_per_row(large, endpoint)
        ratio = b / a if a and b else None
        scaling.append(
            {
                "read": read,
                "measure": "ms per row" if endpoint is None else "p50 ms under load",
                "small": None if a is None else round(a, 3),
                "large": None if b is None else round(b, 3),
                "ratio": None if ratio is None else round(ratio, 2),
                "met": ratio is not None and ratio <= MAX_GROWTH,
            }
        )
    growth = [(r.get("csv_export") or {}).get("peak_rss_growth_mib") for r in (small, large)]
    scaling.append(
        {
            "read": "CSV export (peak worker RSS growth, MiB)",
            "measure": f"constant: large within {CSV_MEMORY_SLACK_MIB} MiB of small",
            "small": growth[0],
            "large": growth[1],
            "ratio": None,
            "met": None not in growth and growth[1] <= growth[0] + CSV_MEMORY_SLACK_MIB,
        }
    )
    out["scaling"] = scaling
    return out


def met_text(met):
    return "met" if met else "not met"


def _number(value):
    return "-" if value is None else f"{value:,.2f}"


def table(checked):
    """The targets as plain text, for the terminal."""
    scales = list(checked["by_scale"])
    width = max(
        [18] + [len(row["value_text"]) for rows in checked["by_scale"].values() for row in rows]
    )
    lines = [
        f"{'read':28} {'measure':27} {'target':>18} "
        + " ".join(f"{scale + ' measured':>{width}} {'':7}" for scale in scales)
    ]
    for i, (read, measure, *_rest) in enumerate(TARGETS):
        cells = []
        target_text = ""
        for scale in scales:
            row = checked["by_scale"][scale][i]
            target_text = row["target_text"]
            cells.append(f"{row['value_text']:>{width}} {met_text(row['met']):7}")
        lines.append(f"{read:28} {measure:27} {target_text:>18} " + " ".join(cells))
    scaling = checked["scaling"]
    lines.append("")
    if isinstance(scaling, str):
        lines.append(f"10x the rows for at most {MAX_GROWTH}x the time: {scaling}")
        return "\n".join(lines)
    lines.append(
        f"{'10x the rows, at most ' + str(MAX_GROWTH) + 'x the time':42} {'small':>10} "
        f"{'large':>10} {'large/small':>11}"
    )
    for row in scaling:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        lines.append(
            f"{row['read']:42} {_number(row['small']):>10} {_number(row['large']):>10} "
            f"{ratio:>11} {met_text(row['met'])}"
        )
    return "\n".join(lines)


def markdown(checked, stamp, settings):
    """The targets as the Markdown tables docs/performance.md shows."""
    scales = list(checked["by_scale"])
    out = [
        f"Targets of issue 13, `make bench` of {stamp} ({settings['seconds']} s measured after "
        f"{settings['warmup_s']} s of warm-up, {settings['connections']} connections, "
        f"{settings['cpus']} CPUs). One request: the median of up to 5 requests alone, after "
        "a first one, on the server warmed by the load; under load: wrk's req/s; shares: the "
        "API's req/s over the floor's, measured in the same run.",
        "",
        "| read | measure | target | "
        + " | ".join(f"{scale} | {scale}: met" for scale in scales)
        + " |",
        "|---|---|---|" + "---|---|" * len(scales),
    ]
    for i, (read, measure, *_rest) in enumerate(TARGETS):
        rows = [checked["by_scale"][scale][i] for scale in scales]
        target = rows[0]["target_text"].replace(">=", "≥").replace("<=", "≤")
        out.append(
            f"| {read} | {measure} | {target} | "
            + " | ".join(f"{row['value_text']} | {met_text(row['met'])}" for row in rows)
            + " |"
        )
    out.append("")
    for scale, share in checked.get("csv_floor_share", {}).items():
        if share is not None:
            out.append(
                f"- {scale}: the CSV export runs at {share:.0%} of the floor's rows/s (COPY)."
            )
    for scale, share in checked.get("search_floor_share", {}).items():
        if share is not None:
            out.append(
                f"- {scale}: the global search runs at {share:.0%} of the floor's req/s "
                "(one SQL statement)."
            )
    out.append("")
    scaling = checked["scaling"]
    if isinstance(scaling, str):
        out.append(f"10x the rows for at most {MAX_GROWTH}x the time: {scaling}.")
    else:
        out += [
            f"10x the rows for at most {MAX_GROWTH}x the time (p50 under load; the CSV per row):",
            "",
            "| read | measure | small | large | large / small | met |",
            "|---|---|---|---|---|---|",
        ]
        for row in scaling:
            ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}x"
            out.append(
                f"| {row['read']} | {row['measure']} | {_number(row['small'])} | "
                f"{_number(row['large'])} | {ratio} | {met_text(row['met'])} |"
            )
    return "\n".join(out) + "\n"
