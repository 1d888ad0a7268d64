"""Segmentation on the synthetic shapes (README "Segmentation", lesson 9): (1) FCN-32s vs 16s vs 8s on the
small VGG backbone with one budget: test mean IoU and boundary IoU (mean IoU within 2 pixels of the true
edges); (2) U-Net trained on 10, 100 and 1,000 images for the same number of steps, for each seed: test mean
IoU, and the validation mean IoU after each tenth of the steps (the largest set must have levelled off);
with --augment, every repetition of an image is a random view (mirrored, shifted, colours permuted).

    python benchmarks/bench_segmentation.py                  # both, at the README's settings
    python benchmarks/bench_segmentation.py --only fcn       # the FCN comparison alone
    python benchmarks/bench_segmentation.py --only curve --seeds 0 1 2
    python benchmarks/bench_segmentation.py --only curve --seeds 0 1 --augment
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("fcn", "curve"), help="run one of the two measurements")
    parser.add_argument("--fcn-size", type=int, default=64, help="FCN image side (a multiple of 32)")
    parser.add_argument("--fcn-images", type=int, default=600, help="FCN training images")
    parser.add_argument("--epochs", type=int, default=8, help="FCN epochs")
    parser.add_argument("--curve-size", type=int, default=32, help="U-Net image side")
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 100, 1000], help="U-Net training-set sizes")
    parser.add_argument("--steps", type=int, default=1000, help="U-Net gradient steps for every size")
    parser.add_argument("--unet-width", type=int, default=8, help="unet_small's base_filters (its default: 16)")
    parser.add_argument("--seed", type=int, default=0, help="the FCN comparison's seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="the U-Net curve's seeds (data and weights)")
    parser.add_argument("--augment", action="store_true", help="U-Net curve with random views (flips, shifts, colours)")
    args = parser.parse_args(argv)

    from dlcourse.segmentation.experiments import compare_fcns, data_size_curve

    start = time.perf_counter()
    results = {}
    if args.only in (None, "fcn"):
        print(f"FCN-32s vs 16s vs 8s: {args.fcn_size}x{args.fcn_size}, {args.fcn_images} training images, "
              f"{args.epochs} epochs, batch 16, lr 2e-3")
        results["fcn"] = compare_fcns(image_size=args.fcn_size, train_images=args.fcn_images, epochs=args.epochs,
                                      seed=args.seed)
    if args.only in (None, "curve"):
        print(f"U-Net (unet_small, base_filters {args.unet_width}) vs training-set size: "
              f"{args.curve_size}x{args.curve_size}, {args.steps} steps of 16 images each, seeds {args.seeds}"
              + (", augmented" if args.augment else ""))
        results["curve"] = {}
        for seed in args.seeds:
            print(f"seed {seed}", flush=True)
            results["curve"][seed] = data_size_curve(args.counts, image_size=args.curve_size, steps=args.steps,
                                                     seed=seed, model_args={"base_filters": args.unet_width},
                                                     augment=args.augment)
        for i, count in enumerate(args.counts):
            values = [rows[i]["mean_iou"] for rows in results["curve"].values()]
            print(f"{count:5d} images: test mean IoU " + " ".join(f"{v:.3f}" for v in values)
                  + f" (mean {sum(values) / len(values):.3f})")
    print(f"total {time.perf_counter() - start:.0f} s; load average {os.getloadavg()[0]:.1f}")
    return results


if __name__ == "__main__":
    main()
