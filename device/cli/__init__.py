"""The ``moodkiosk`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from device import __version__
from device.core.config import Settings, default_config_path, iter_setting_docs, load_settings
from device.core.errors import MoodkioskError
from device.core.native_logs import keep_python_stderr

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moodkiosk", description="Emotion-aware music kiosk.")
    parser.add_argument("--version", action="version", version=f"moodkiosk {__version__}")
    parser.add_argument("--config", type=Path, help="TOML settings file (default: /etc/moodkiosk/config.toml when present)")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="overrides log_level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the kiosk: camera -> mood -> music (each flag is also a setting)")
    run.add_argument("--camera", help="auto, picamera2[:N], /dev/videoN, usb:N, a video or photo file, a folder, a URL, none")
    run.add_argument("--music-dir", type=Path, help="a folder per playlist: happy/, sad/, ... (player.music_dir)")
    run.add_argument("--state-dir", type=Path, help="where the database lives (storage.state_dir)")
    run.add_argument("--audio-output", help="mpv audio output, e.g. auto, alsa, pulse, null (player.audio_output)")
    run.add_argument("--video-output", help="mpv video output, e.g. auto, drm, gpu, null (player.video_output)")
    run.add_argument("--events", type=Path, metavar="FILE", help="append every event as a JSON line (storage.events_file)")
    run.add_argument("--loop", action="store_true", default=None, help="start a video file over at its end (camera.loop)")
    run.add_argument(
        "--until-source-ends",
        action="store_true",
        default=None,
        help="stop when a video file ends (camera.exit_when_source_ends)",
    )

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
    models_commands.add_parser("verify", help="check that the models are present and load")

    library = commands.add_parser("library", help="the music library")
    library_commands = library.add_subparsers(dest="library_command", required=True, metavar="ACTION")
    tag = library_commands.add_parser("tag", help="the mood each audio file sounds like (kept in the kiosk's database)")
    tag.add_argument("paths", nargs="*", type=Path, metavar="DIR", help="files or folders (default: the music folder)")
    tag.add_argument("--json", action="store_true", help="one JSON object per file and line")
    tag.add_argument("--force", action="store_true", help="hear every file again, even if it was tagged before")

    playlist = commands.add_parser("playlist", help="playlists brought as lists (CSV, M3U, PLS, XSPF, Spotify links)")
    playlist_commands = playlist.add_subparsers(dest="playlist_command", required=True, metavar="ACTION")
    imports = playlist_commands.add_parser("import", help="store a list as a playlist (rows without a URL play YouTube's match)")
    imports.add_argument("file", metavar="FILE", help="a .csv, .m3u, .m3u8, .pls or .xspf file, or a Spotify playlist link")
    imports.add_argument("--name", required=True, help="the playlist's name (a mood's name joins that mood's music)")
    imports.add_argument("--mood", help="the mood of the rows that do not say")
    imports.add_argument("--language", help="the language of the rows that do not say")
    listing = playlist_commands.add_parser("list", help="the imported playlists")
    listing.add_argument("--json", action="store_true", help="one JSON object per line: name, rows, source")
    playlist_commands.add_parser("export", help="a playlist as CSV on standard output").add_argument("name")
    playlist_commands.add_parser("remove", help="forget an imported playlist").add_argument("name")

    user = commands.add_parser("user", help="manage the web page's accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_commands.add_parser("add", help="create an account (the password is asked twice)")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="may manage accounts and settings")
    add.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    passwd = user_commands.add_parser("passwd", help="set a new password (an admin reset)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    delete = user_commands.add_parser("del", help="delete an account")
    delete.add_argument("name")
    user_commands.add_parser("list", help="list the accounts")

    config = commands.add_parser("config", help="inspect settings")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    config_commands.add_parser("keys", help="list every setting with its default")
    config_commands.add_parser("show", help="print the effective settings as JSON (with the admin page's changes)")
    reset = config_commands.add_parser(
        "reset-page", help="forget settings changed on the admin page (all, or the KEYs named): the file's values apply"
    )
    reset.add_argument("keys", nargs="*", metavar="KEY", help="e.g. camera.source (default: every page setting)")
    check = config_commands.add_parser("check", help="check a config file without starting anything")
    check.add_argument("file", type=Path, metavar="FILE")

    doctor = commands.add_parser("doctor", help="check what the kiosk needs, and say how to fix what is missing")
    doctor.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    doctor.add_argument("--offline", action="store_true", help="skip the checks that need the internet")

    bench = commands.add_parser("bench", help="benchmarks against the peers (fer, deepface): runs scripts/bench.py")
    bench.add_argument("--setup-peers", action="store_true", help="create the peers' venvs in build/peers first (pip)")
    bench.add_argument("--out", type=Path, metavar="DIR", help="where report.md, results.json and the plots go")
    bench.add_argument("--quick", action="store_true", help="a smoke test: few frames, short runs")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    keep_python_stderr()  # native libraries' output may be captured; Python's own never is
    if args.command == "doctor":
        return command_doctor(args)
    if args.command == "bench":
        return command_bench(args)
    if args.command == "config" and args.config_command == "check":
        return command_config_check(args.file)
    try:
        settings = load_settings(args.config or default_config_path(), log_level=args.log_level, **run_overrides(args))
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
        )
        return dispatch(args, settings)
    except MoodkioskError as error:
        print(f"moodkiosk: error: {error.describe()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def run_overrides(args: argparse.Namespace) -> dict[str, dict[str, object]]:
    """Settings given as ``moodkiosk run`` flags, as nested sections (only the flags given)."""
    if args.command != "run":
        return {}
    flags = {
        "camera": {"source": args.camera, "loop": args.loop, "exit_when_source_ends": args.until_source_ends},
        "player": {"music_dir": args.music_dir, "audio_output": args.audio_output, "video_output": args.video_output},
        "storage": {"state_dir": args.state_dir, "events_file": args.events},
    }
    return {section: given for section, values in flags.items() if (given := {k: v for k, v in values.items() if v is not None})}


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "analyze":
        return command_analyze(args, settings)
    if args.command == "eval":
        return command_eval(args, settings)
    if args.command == "models":
        return command_models(args, settings)
    if args.command == "config":
        return command_config(args, settings)
    if args.command == "library":
        from device.cli.library import main_tag

        return main_tag(args.paths, settings, args.json, args.force)
    if args.command == "playlist":
        import asyncio

        from device.cli.playlists import run_playlist_command

        return asyncio.run(run_playlist_command(args, settings))
    if args.command == "user":
        import asyncio

        from device.cli.users import run_user_command

        return asyncio.run(run_user_command(args, settings))
    return command_run(args, settings)


def command_analyze(args: argparse.Namespace, settings: Settings) -> int:
    from device.cli.analyze import AnalyzeCommand
    from device.inference.analyzer import FrameAnalyzer

    if args.every < 1:
        raise MoodkioskError(f"--every must be 1 or more, got {args.every}")
    analyzer = FrameAnalyzer(settings.inference)
    if analyzer.backend_note:
        print(f"moodkiosk: {analyzer.backend_note}", file=sys.stderr)
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
    from device.inference.model_files import verify_emotion_model

    verify_emotion_model(settings.inference.emotion_model)
    analyzer = FrameAnalyzer(settings.inference)
    analyzer.close()
    if analyzer.backend_note:
        print(f"moodkiosk: {analyzer.backend_note}", file=sys.stderr)
    from device.player.music_tagger import MODEL, MusicTagger

    MusicTagger(MODEL)
    print(f"face model ok: {face_model} (run by {analyzer.backend})\nemotion model ok: {settings.inference.emotion_model}")
    print(f"music model ok: {MODEL}")
    return 0


def command_config(args: argparse.Namespace, settings: Settings) -> int:
    if args.config_command == "keys":
        for key, default, description in iter_setting_docs():
            print(f"{key:<28} default {default:<12} {description}")
        return 0
    import asyncio

    if args.config_command == "reset-page":
        from device.core.page_settings import reset_page_settings

        removed = asyncio.run(reset_page_settings(settings, args.keys or None))
        print(f"page settings removed: {', '.join(removed)}" if removed else "no page settings to remove")
        print("restart the kiosk for this to take effect: sudo systemctl restart moodkiosk", file=sys.stderr)
        return 0
    from device.core.page_settings import effective_settings, mask_secrets

    effective, page_keys = asyncio.run(effective_settings(settings))
    if page_keys:
        print(f"moodkiosk: changed on the admin page (these win over the file): {', '.join(page_keys)}", file=sys.stderr)
    print(json.dumps(mask_secrets(effective.model_dump(mode="json")), indent=2))
    return 0


def command_config_check(path: Path) -> int:
    """Check one file on its own (environment variables and flags do not count here)."""
    import os

    from device.core.config import ENV_PREFIX

    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith(ENV_PREFIX)}
    try:
        load_settings(path)
    except MoodkioskError as error:
        print(f"moodkiosk: error: {error.describe()}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        os.environ.update(saved)
    print(f"{path}: valid")
    return 0


def command_doctor(args: argparse.Namespace) -> int:
    """Runs even when the settings are broken: that is one of the things it reports."""
    from device.cli.doctor import Doctor, checks_json, format_checks

    path = args.config or default_config_path()
    error = None
    try:
        settings = load_settings(path)
    except MoodkioskError as problem:
        error, settings = problem, Settings.model_construct()
    checks = Doctor(settings, path, error, network=not args.offline).run()
    print(json.dumps(checks_json(checks), indent=2) if args.json else format_checks(checks))
    return 1 if any(check.status == "fail" for check in checks) else 0


def command_bench(args: argparse.Namespace) -> int:
    """scripts/bench.py of this source checkout, run with this Python (it uses the default settings)."""
    import subprocess

    script = Path(__file__).resolve().parents[2] / "scripts/bench.py"
    if not script.is_file():
        print(f"moodkiosk: error: {script} not found\n  fix: run the benchmarks from a source checkout", file=sys.stderr)
        return EXIT_USAGE
    flags = ["--setup-peers"] * args.setup_peers + ["--quick"] * args.quick + (["--out", str(args.out)] if args.out else [])
    return subprocess.call([sys.executable, str(script), *flags])


def command_run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from device.core.memory import limit_malloc_arenas, raise_open_files_limit

    limit_malloc_arenas()  # before the daemon's threads start: a flat RSS over months
    raise_open_files_limit()

    from device.daemon import Kiosk

    locked = {f"{section}.{key}" for section, values in run_overrides(args).items() for key in values}

    def reread() -> Settings:
        return load_settings(args.config or default_config_path(), log_level=args.log_level, **run_overrides(args))

    return asyncio.run(Kiosk(settings, locked, reread).run())


if __name__ == "__main__":
    sys.exit(main())
