"""``dlcourse models``: the registered models with their parameter counts."""

from __future__ import annotations


def add_parser(subparsers):
    parser = subparsers.add_parser("models", help="list the registered models and their parameters")
    parser.add_argument("--family", default=None, help="only the models of this family")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dlcourse.models import get_model, list_models, model_entry

    rows = []
    for name in list_models(family=args.family):
        entry = model_entry(name)
        params = get_model(name).count_params()
        rows.append((name, entry.family, f"{params:,}", entry.reference))
    header = ("name", "family", "parameters", "checked against")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(cell.ljust(w) if i != 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
    return 0
