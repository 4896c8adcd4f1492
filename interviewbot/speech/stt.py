"""Offline speech-to-text of a spoken answer: decode the audio, transcribe it, show what biasing changed.

A plain decode is what the recogniser heard. When the question's terms are given, a second decode
is prompted with them (Whisper's initial_prompt), which spells technical words far better but can
also turn a wrong word into the rubric's word. So the answer text is the plain transcript with only
short stretches re-spelt by the prompted decode, and every re-spelt stretch is reported as a
`Change` for the user to check before sending (see README, "Speaking your answers").
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from interviewbot.errors import AudioError
from interviewbot.speech import model as speech_model
from interviewbot.speech.words import Change, merge_biased

SAMPLE_RATE = 16_000
MAX_AUDIO_S = 600.0  # longer recordings are refused: an answer is minutes, not hours
MIN_AUDIO_S = 0.1  # shorter is a click of the record button, not an answer
MAX_FILE_BYTES = 200 * 1024 * 1024
BEAM_SIZE = 5
# The longest stretch (in words) the prompted decode may re-spell; chosen on the dev clips
# (tests/data/audio/clips.yaml), reported on the held-out test clips.
MAX_CHANGE_WORDS = 4
# Container formats we decode, told apart by their first bytes. Forcing the demuxer keeps FFmpeg
# from treating a crafted upload as a playlist that points at other files or URLs.
_MAGIC = (
    (b"RIFF", "wav"),
    (b"RF64", "wav"),
    (b"fLaC", "flac"),
    (b"OggS", "ogg"),
    (b"ID3", "mp3"),
    (b"\xff\xfb", "mp3"),
    (b"\xff\xf3", "mp3"),
    (b"\xff\xf2", "mp3"),
    (b"\x1aE\xdf\xa3", "matroska,webm"),
)
_decode_lock = threading.Lock()  # one decode at a time: two cores, and the model is shared


@dataclass
class Transcript:
    """What was said: the answer text, what the plain decode heard, and what biasing changed."""

    text: str
    heard: str
    audio_s: float
    seconds: float
    changes: list[Change] = field(default_factory=list)
    biased: bool = False
    model: str = speech_model.MODEL_NAME

    def meta(self) -> dict:
        """The fields stored with a spoken answer (the candidate message's meta)."""
        return {
            "spoken": True,
            "audio_s": round(self.audio_s, 1),
            "heard": self.heard,
            "transcript": self.text,
            "changes": [c.to_dict() for c in self.changes],
            "stt_model": self.model,
        }

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "heard": self.heard,
            "changes": [c.to_dict() for c in self.changes],
            "biased": self.biased,
            "audio_s": round(self.audio_s, 2),
            "seconds": round(self.seconds, 3),
            "model": self.model,
        }


def read_file(path: Path) -> bytes:
    """An audio file's bytes, with one clear error when it is missing, a directory or too large."""
    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path} does not exist: give the path of a WAV (or FLAC, OGG, MP3) recording.")
    if not path.is_file():
        raise AudioError(f"{path} is not a file: give the path of a WAV (or FLAC, OGG, MP3) recording.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise AudioError(f"{path} is larger than {MAX_FILE_BYTES >> 20} MB: trim the recording.")
    return path.read_bytes()


def _container(data: bytes, name: str) -> str:
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return fmt
    if not data:
        raise AudioError(f"{name} is empty: record the answer again.")
    raise AudioError(f"{name} is not a WAV, FLAC, OGG or MP3 recording: record or export the answer as WAV.")


def decode(data: bytes, name: str = "the recording") -> np.ndarray:
    """Audio bytes as 16 kHz mono float32 samples in [-1, 1]."""
    import av

    fmt = _container(data, name)
    try:
        with av.open(io.BytesIO(data), mode="r", format=fmt, metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"{name} has no audio track: record or export the answer as WAV.")
            pcm = _resampled(container)
    except (av.FFmpegError, ValueError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AudioError(
            f"{name} could not be decoded as {fmt} ({reason}): record or export it as WAV."
        ) from None
    if pcm.size < MIN_AUDIO_S * SAMPLE_RATE:
        raise AudioError(f"{name} holds no audio ({pcm.size / SAMPLE_RATE:.2f} s): record the answer again.")
    return pcm.astype(np.float32) / 32768.0


def _resampled(container) -> np.ndarray:
    """Every audio frame, resampled to signed 16-bit mono at 16 kHz, up to MAX_AUDIO_S."""
    import av

    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    chunks, total, limit = [], 0, int(MAX_AUDIO_S * SAMPLE_RATE)
    for frame in [*container.decode(audio=0), None]:  # None flushes the resampler
        for out in resampler.resample(frame):
            chunk = out.to_ndarray().reshape(-1)
            chunks.append(chunk)
            total += chunk.size
            if total > limit:
                raise AudioError(
                    f"the recording is longer than {MAX_AUDIO_S / 60:.0f} minutes: answer in parts."
                )
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


def _decode_text(samples: np.ndarray, prompt: str | None) -> str:
    segments, _ = speech_model.load_model().transcribe(
        samples, language="en", beam_size=BEAM_SIZE, vad_filter=True, initial_prompt=prompt or None
    )
    return " ".join(s.text.strip() for s in segments).strip()


def transcribe(data: bytes, *, terms: str | None = None, name: str = "the recording") -> Transcript:
    """Transcribe one spoken answer; with `terms`, let them re-spell short stretches and report each."""
    samples = decode(data, name)
    audio_s = samples.size / SAMPLE_RATE
    started = time.perf_counter()
    with _decode_lock:
        heard = _decode_text(samples, None)
        if not heard:
            raise AudioError(
                f"no speech was heard in {name} ({audio_s:.1f} s of audio): check that the microphone "
                "is not muted and speak a little louder, or type the answer."
            )
        text, changes = heard, []
        if terms and terms.strip():
            text, changes = merge_biased(heard, _decode_text(samples, terms), MAX_CHANGE_WORDS)
    seconds = time.perf_counter() - started
    return Transcript(text, heard, audio_s, seconds, changes, biased=bool(terms and terms.strip()))


def transcribe_file(path: Path, *, terms: str | None = None) -> Transcript:
    """Transcribe an audio file (the CLI's `transcribe`)."""
    return transcribe(read_file(path), terms=terms, name=str(path))
