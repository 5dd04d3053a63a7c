"""The ``moodkiosk`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from device import __version__
from device.config import Settings, default_config_path, iter_setting_docs, load_settings
from device.errors import MoodkioskError

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moodkiosk", description="Emotion-aware music kiosk.")
    parser.add_argument("--version", action="version", version=f"moodkiosk {__version__}")
    parser.add_argument("--config", type=Path, help="TOML settings file (default: /etc/moodkiosk/config.toml when present)")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="overrides log_level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="watch the camera and report what the kiosk sees")
    run.add_argument("--camera", default="auto", help="auto, usb:N, /dev/videoN, a video file or a URL, or none")

    analyze = commands.add_parser("analyze", help="faces and emotions in photos and videos")
    analyze.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="image or video files, or folders of them")
    analyze.add_argument("--json", action="store_true", help="one JSON object per line per image or video frame")
    analyze.add_argument("--annotate", type=Path, metavar="DIR", help="write copies with boxes and labels drawn into DIR")
    analyze.add_argument("--every", type=int, default=1, metavar="N", help="analyse every N-th frame of videos (default 1)")

    evaluate = commands.add_parser("eval", help="accuracy of the emotion model on a labelled .npz file")
    evaluate.add_argument("data", type=Path, metavar="DATA.npz", help="x: N x 48 x 48 uint8, y: labels 0..6")
    evaluate.add_argument("--model", type=Path, help="a .tflite emotion model (default: inference.emotion_model)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    models = commands.add_parser("models", help="fetch or verify the model files")
    models_commands = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    fetch = models_commands.add_parser("fetch", help="download the face model (mediapipe 0.10.21 wheel) and verify it")
    fetch.add_argument("--wheel", type=Path, help="take it from this local mediapipe 0.10.21 wheel instead")
    fetch.add_argument("--force", action="store_true", help="fetch even when a verified copy is present")
    models_commands.add_parser("verify", help="check that both models are present and load")

    config = commands.add_parser("config", help="inspect settings")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    config_commands.add_parser("keys", help="list every setting with its default")
    config_commands.add_parser("show", help="print the effective settings as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config or default_config_path(), log_level=args.log_level)
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
        )
        return dispatch(args, settings)
    except MoodkioskError as error:
        print(f"moodkiosk: error: {error.describe()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "analyze":
        return command_analyze(args, settings)
    if args.command == "eval":
        return command_eval(args, settings)
    if args.command == "models":
        return command_models(args, settings)
    if args.command == "config":
        return command_config(args, settings)
    return command_run(args, settings)


def command_analyze(args: argparse.Namespace, settings: Settings) -> int:
    from device.analyze_command import AnalyzeCommand
    from device.inference.analyzer import FrameAnalyzer

    if args.every < 1:
        raise MoodkioskError(f"--every must be 1 or more, got {args.every}")
    analyzer = FrameAnalyzer(settings.inference)
    try:
        command = AnalyzeCommand(analyzer, sys.stdout, sys.stderr, args.json, args.annotate, args.every)
        failures = command.run(args.paths)
    finally:
        analyzer.close()
    return 1 if failures else 0


def command_eval(args: argparse.Namespace, settings: Settings) -> int:
    from device.inference.emotion_classifier import EmotionClassifier
    from device.inference.evaluation import evaluate, format_report, load_eval_data

    classifier = EmotionClassifier(args.model or settings.inference.emotion_model, threads=settings.inference.threads)
    x, y = load_eval_data(args.data, classifier.input_size)
    report = evaluate(classifier, x, y)
    print(json.dumps(report.to_json()) if args.json else format_report(report))
    return 0


def command_models(args: argparse.Namespace, settings: Settings) -> int:
    from device.inference.model_files import fetch_face_model, read_face_model

    face_model = settings.inference.face_model
    if args.models_command == "fetch":
        if not args.force:
            try:
                read_face_model(face_model)
            except MoodkioskError:
                pass
            else:
                print(f"face model already present and verified: {face_model}")
                return 0
        fetch_face_model(face_model, args.wheel)
        print(f"face model fetched and verified: {face_model}")
        return 0
    from device.inference.analyzer import FrameAnalyzer

    FrameAnalyzer(settings.inference).close()
    print(f"face model ok: {face_model}\nemotion model ok: {settings.inference.emotion_model}")
    return 0


def command_config(args: argparse.Namespace, settings: Settings) -> int:
    if args.config_command == "keys":
        for key, default, description in iter_setting_docs():
            print(f"{key:<28} default {default:<12} {description}")
        return 0
    print(json.dumps(settings.model_dump(mode="json"), indent=2))
    return 0


def command_run(args: argparse.Namespace, settings: Settings) -> int:
    from device.inference.analyzer import FrameAnalyzer
    from device.run_command import watch

    analyzer = FrameAnalyzer(settings.inference)
    try:
        return watch(analyzer, args.camera)
    finally:
        analyzer.close()


if __name__ == "__main__":
    sys.exit(main())
