"""``dlcourse models``: the registered models with their parameter counts.

``dlcourse models --table`` adds each model's multiply-adds (MACs) for one image at its default
input size (224x224 for the CNN zoo) and the reference its numbers are checked against.
"""

from __future__ import annotations


def add_parser(subparsers):
    parser = subparsers.add_parser("models", help="list the registered models and their parameters")
    parser.add_argument("--family", default=None, help="only the models of this family")
    parser.add_argument(
        "--table", action="store_true",
        help="also print multiply-adds at each model's default input size (224x224 for the zoo)",
    )
    parser.set_defaults(run=run)


def _print_table(header, rows, right_aligned):
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(
            cell.rjust(w) if i in right_aligned else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))
        ).rstrip())


def run(args) -> int:
    import keras

    from dlcourse.analysis import count_macs
    from dlcourse.models import get_model, list_models, model_entry

    rows = []
    for name in list_models(family=args.family):
        entry = model_entry(name)
        model = get_model(name)
        params = f"{model.count_params():,}"
        if args.table:
            input_size = "x".join(str(d) for d in entry.default_input_shape)
            rows.append((name, params, f"{count_macs(model).total:,}", input_size, entry.reference))
        else:
            rows.append((name, entry.family, params, entry.reference))
        del model
        keras.backend.clear_session()  # the zoo at 224x224 is large: free each model before the next
    if args.table:
        _print_table(("name", "parameters", "multiply-adds", "input", "checked against"), rows, {1, 2})
    else:
        _print_table(("name", "family", "parameters", "checked against"), rows, {2})
    return 0
