"""The headline of a robustness sweep, in words, for the run's report and the
sweep's own ``report.md``.

Both read the summary that :func:`siting.analysis.robustness` returns (the content of
``robustness.json``), so the sweep and the report say the same thing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from siting.output.render import markdown


def robustness_headline(summary: dict[str, Any]) -> str:
    """One paragraph: how often the nominal portfolio stays optimal, its regret
    (mean, 95th percentile, worst; EUR m/yr) and the least worst-case regret one."""
    nominal = summary["nominal"]
    regret = nominal["regret_eur_per_year"]
    best = summary["least_worst_regret"]
    lost = len(summary.get("lost", []))
    lost_text = f" ({lost} lost)" if lost else ""
    same = sorted(best["site_ids"]) == sorted(nominal["site_ids"])
    alternative = (
        "it is also the portfolio with the least worst-case regret"
        if same
        else (
            f"the portfolio with the least worst-case regret is "
            f"{', '.join(best['site_ids'])} (worst regret "
            f"EUR {best['max_regret_eur_per_year'] / 1e6:,.1f} m/yr, optimal in "
            f"{_samples(best['times_optimal'])})"
        )
    )
    return (
        f"Over {summary['solved']} of {summary['samples']} sampled scenarios"
        f"{lost_text} (seed {summary['seed']}) of uncertain electricity and carbon "
        "prices, PUE and researcher numbers, the nominal portfolio "
        f"({', '.join(nominal['site_ids'])}) is optimal in "
        f"**{nominal['share_optimal']:.0%}** of samples; its regret (what it costs "
        "above each sample's optimum) is EUR "
        f"{regret['mean'] / 1e6:,.1f} m/yr on average, "
        f"**EUR {regret['p95'] / 1e6:,.1f} m/yr at the 95th percentile** and "
        f"EUR {regret['max'] / 1e6:,.1f} m/yr at worst; {alternative}."
    )


def _samples(count: int) -> str:
    return f"{count} sample" if count == 1 else f"{count} samples"


def robustness_blocks(summary: dict[str, Any] | None) -> list[tuple[Any, ...]]:
    """The report's robustness section (``[]`` without a summary)."""
    if summary is None:
        return []
    return [("h2", "Robustness"), ("p", robustness_headline(summary))]


def robustness_report(summary: dict[str, Any], frequency: pd.DataFrame) -> str:
    """``report.md`` of a sweep: the headline and how often each site is chosen
    (``frequency`` as :attr:`siting.analysis.Robustness.frequency`)."""
    chosen = frequency[frequency["selected_share"] > 0]
    return markdown(
        [
            ("h1", "Robustness of the siting"),
            ("p", robustness_headline(summary)),
            ("h2", "How often each site is chosen"),
            (
                "table",
                ["site", "country", "chosen in", "in the nominal portfolio"],
                [
                    [
                        site_id,
                        row["country"],
                        f"{row['selected_share']:.0%}",
                        "yes" if row["nominal"] else "",
                    ]
                    for site_id, row in chosen.iterrows()
                ],
            ),
            (
                "p",
                "Files: `robustness.json` (these figures), `samples.csv`, "
                "`site_frequency.csv`, `portfolios.csv` and `factors.csv`.",
            ),
        ]
    )
