"""The flags and commands of ``rnnkit train caption``, ``rnnkit caption``, ``rnnkit evaluate`` of a captioner,
and ``rnnkit data shapes`` and ``rnnkit data digits``.
"""

from __future__ import annotations

import argparse

from rnnkit import strictjson
from rnnkit.cells import CELLS
from rnnkit.errors import UserError, report_warnings
from rnnkit.files import output_name
from rnnkit.models.seq2seq import ATTENTIONS
from rnnkit.plots import drawing_format
from rnnkit.sampling import add_sampling_arguments, check_beam_or_samples, sampling_from
from rnnkit.tasks._caption_config import CaptionConfig
from rnnkit.tasks._caption_trained import UNATTENDED, ImageCaptioner
from rnnkit.tasks._ensemble import add_ensemble_argument, models_note, reads_of, unattended, with_ensemble
from rnnkit.tasks._text import refuse_standard_input, say_written
from rnnkit.train.checkpoint import refuse_run_output
from rnnkit.train.options import add_data_arguments, add_label_smoothing_argument
from rnnkit.wording import counted


def _caption_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE", help="PNG or JPEG files")
    p.add_argument("--beam", type=int, default=1, help="beam size, 1 = greedy (default 1)")
    p.add_argument("--n-best", type=int, default=1,
                   help="captions per image (at most --beam; up to 10,000 samples with --sample; default 1)")
    add_sampling_arguments(p, "captions", "describing one image in several ways")
    p.add_argument("--json", action="store_true", help="one JSON object per image")
    p.add_argument("--attention-png", metavar="FILE", help="draw the attention of the first caption over its image "
                   "(.png, .svg, .pdf, .jpg ...: the format its suffix names)")
    add_ensemble_argument(p, "captioners", "IMAGE")


def _caption_command(cap: ImageCaptioner, args: argparse.Namespace) -> int:
    refuse_standard_input(args.images, "IMAGE", "images", "caption", cap.checkpoints[0].path)
    cap = with_ensemble(cap, args)
    if args.attention_png is not None and cap.model.attention is None:
        raise UserError(f"--attention-png: {unattended(cap.checkpoints, UNATTENDED)}; there is "
                        "nothing to draw")
    # drawn after they are read
    reads = [*(("an IMAGE being read", image) for image in args.images), *reads_of(cap.checkpoints)]
    png = None if args.attention_png is None else output_name(args.attention_png, "--attention-png", "a PNG file",
                                                              reads)
    if png is not None:
        refuse_run_output(png, "--attention-png")
        drawing_format(png, "--attention-png")
    with report_warnings():
        beam, n_best, sampling = check_beam_or_samples(args.beam, args.n_best, sampling_from(args))
        results = cap._caption(list(args.images), beam, n_best, png is not None, sampling, as_dict=True)
    if png is not None:
        from rnnkit.plots import caption_attention_png

        r = results[0]
        with report_warnings():  # a word no installed font can draw
            caption_attention_png(cap.load_images([args.images[0]])[0], r["attention"] or [], r["words"], png)
        r["attention_png"] = str(png)  # said as translate says it: in the first JSON object, or a line on stderr
        if not args.json:
            say_written(str(png), False, f"wrote the attention of the first caption to {png}")
    for path, r in zip(args.images, results, strict=True):
        if args.json:
            drawn = {"attention_png": r["attention_png"]} if "attention_png" in r else {}
            print(strictjson.dumps({"image": path, "caption": r["caption"], "n_best": r["n_best"], **drawn},
                                   ensure_ascii=False))
        elif args.n_best > 1:  # translate's layout, the image for the source's index; best first, no rank column
            print("\n".join(f"{path}\t{h['score']:.4f}\t{h['text']}" for h in r["n_best"]))
        else:
            print(r["caption"])
    return 0


def _evaluate_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("--data", required=True, help="a folder with captions.tsv and the images")
    e.add_argument("--beam", type=int, default=1, help="beam size, 1 = greedy (default 1)")
    e.add_argument("--json", action="store_true", help="one JSON object on the last line")
    add_ensemble_argument(e, "captioners")


def _evaluate_command(cap: ImageCaptioner, args: argparse.Namespace) -> int:
    cap = with_ensemble(cap, args)
    with report_warnings():
        result = cap.evaluate(args.data, beam=args.beam)
    if args.json:
        print(strictjson.dumps(result))
        return 0
    sacre = ("n/a (pip install sacrebleu)" if result["bleu"] is None else
             f"{result['bleu']:.2f}" + ("" if result.get("chrf") is None else f", chrF {result['chrf']:.2f}"))
    print(f"{counted(result['images'], 'image')}, beam {result['beam']}{models_note(result['models'])}: exact match "
          f"{result['exact_match']:.4f}, BLEU {sacre}")
    return 0


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = CaptionConfig()
    g = p.add_argument_group("model")
    g.add_argument("--attention", nargs="?", const="bahdanau", choices=ATTENTIONS,
                   help="attend over the image's regions (alone: bahdanau; default none)")
    g.add_argument("--attention-penalty", type=float,
                   help="weight of the doubly stochastic attention penalty (default 0: off)")
    g.add_argument("--teacher-forcing", type=float,
                   help=f"chance of feeding the gold word (default {d.teacher_forcing})")
    g.add_argument("--teacher-forcing-floor", type=float, help="lower teacher forcing linearly to this over the run")
    add_label_smoothing_argument(g, d.label_smoothing)
    g.add_argument("--image-size", type=_size_argument, metavar="SIDE|HxW",
                   help=f"images are resized to this square, or to HEIGHTxWIDTH such as 32x160 for strips "
                        f"(default {d.image_size})")
    g.add_argument("--grey", action=argparse.BooleanOptionalAction, default=None,
                   help="read images as grey (default: colour)")
    g.add_argument("--positions", action=argparse.BooleanOptionalAction, default=None,
                   help="add a learned embedding of each region's place to its vector (default on)")
    g.add_argument("--row-encoder", action=argparse.BooleanOptionalAction, default=None,
                   help="run a bidirectional recurrent layer of --cell along each row of regions, so each "
                        "region knows its neighbours (Deng et al. 2017; default off)")
    g.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="turn, scale and shift each training image at random (default off)")
    g.add_argument("--augment-rotate", type=float,
                   help=f"... by up to this many degrees (default {d.augment_rotate:g})")
    g.add_argument("--augment-scale", type=float,
                   help=f"... by a factor in [1-S, 1+S] (default {d.augment_scale:g})")
    g.add_argument("--augment-shift", type=float,
                   help=f"... by up to this fraction of the image size (default {d.augment_shift:g})")
    g.add_argument("--augment-elastic", type=float,
                   help="... and bent by a smooth random field whose displacements have this standard deviation, "
                        f"as a fraction of the image size (elastic distortion; default {d.augment_elastic:g})")
    g.add_argument("--channels", help=f"channels of the convolution blocks (default {d.channels})")
    g.add_argument("--cell", choices=list(CELLS), help=f"decoder cell (default {d.cell})")
    g.add_argument("--embedding", type=int, help=f"word embedding size (default {d.embedding})")
    g.add_argument("--hidden", type=int, help=f"decoder units (default {d.hidden})")
    g.add_argument("--share-decoder-embeddings", action=argparse.BooleanOptionalAction, default=None,
                   help="the output layer's weight is the word embedding matrix (weight tying, Press & Wolf 2017); "
                        "needs --hidden equal to --embedding (default off)")
    g.add_argument("--layers", type=int, help=f"decoder layers (default {d.layers})")
    g.add_argument("--dropout", type=float, help=f"dropout (default {d.dropout})")
    g.add_argument("--vocab-size", type=int, help=f"caption words kept (default {d.vocab_size})")
    g.add_argument("--max-len", type=int, help=f"caption words per caption (default {d.max_len})")
    g.add_argument("--batch-size", type=int, help=f"captions per update (default {d.batch_size})")
    g.add_argument("--eval-images", type=int,
                   help=f"validation images captioned per evaluation for exact match and BLEU; 0: the "
                        f"validation loss alone (default {d.eval_images})")
    add_data_arguments(p, data_help="folder with captions.tsv and images, or one with train/ and val/ folders",
                       val_help="validation folder (default: DATA/val, or --val-fraction of DATA's images)",
                       val_fraction=d.val_fraction, split_seed=d.split_seed)


def _size_argument(value: str) -> int | str:
    """``--image-size``: a side as an integer, ``HxW`` as written (checked by :meth:`CaptionConfig.validate`)."""
    return int(value) if value.strip().isdigit() else value.strip().lower()


def _generator_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--images", type=int, default=3000, help="images in all (default 3000)")


def _shapes_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--images", type=int, default=3000,
                   help="images of train/, val/ and test/, 80/10/10 (default 3000); test_unseen/ gets a tenth "
                        "as many more")


def _shapes_command(args: argparse.Namespace) -> int:
    from rnnkit.data.shapes import write_shapes

    return _wrote(args, write_shapes(args.out, _image_count(args), args.seed))


def _digits_command(args: argparse.Namespace) -> int:
    from rnnkit.data.shapes import write_digit_strips

    return _wrote(args, write_digit_strips(args.out, _image_count(args), args.seed, square=args.square))


def _digits_arguments(p: argparse.ArgumentParser) -> None:
    _generator_arguments(p)
    p.add_argument("--square", action="store_true",
                   help="put each strip in the middle of a square canvas (default: 28-pixel-high strips)")


def _image_count(args: argparse.Namespace) -> int:
    if args.images < 10:
        raise UserError(f"--images {args.images}: expected at least 10 (the splits take a tenth each)")
    return int(args.images)


def _wrote(args: argparse.Namespace, counts: dict[str, int]) -> int:
    print(f"wrote {sum(counts.values())} captioned images to {args.out}: "
          + ", ".join(f"{k}/ {v}" for k, v in counts.items()))
    return 0
