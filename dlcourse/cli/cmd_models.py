"""``dlcourse models``: the registered models, their task and parameters, read from the registry's tables.

``dlcourse models --table`` prints README's zoo table: each model's default input, parameters,
multiply-adds (MACs) for one image at that input (224x224 for the CNN zoo) and the reference its
numbers are checked against. Nothing is built (the tests check every figure against the built
model), and neither TensorFlow nor Keras is imported.
"""

from __future__ import annotations


def add_parser(subparsers):
    parser = subparsers.add_parser("models", help="list the registered models and their parameters")
    parser.add_argument("--family", default=None, help="only the models of this family")
    parser.add_argument(
        "--table", action="store_true",
        help="README's zoo table: input, parameters and multiply-adds at each model's default input",
    )
    parser.set_defaults(run=run)


def _print_table(header, rows, right_aligned):
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(
            cell.rjust(w) if i in right_aligned else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))
        ).rstrip())


def _count(number) -> str:
    return "?" if number is None else f"{number:,}"


def run(args) -> int:
    from dlcourse.models import list_models, model_entry

    entries = [model_entry(name) for name in list_models(family=args.family)]
    if args.table:
        rows = [(e.name, e.input_size, _count(e.params), _count(e.macs), e.reference) for e in entries]
        _print_table(("name", "input", "parameters", "multiply-adds", "checked against"), rows, {2, 3})
    else:
        rows = [(e.name, e.family, e.task, _count(e.params), e.reference) for e in entries]
        _print_table(("name", "family", "task", "parameters", "checked against"), rows, {3})
    return 0
