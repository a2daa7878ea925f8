"""Reference log-mel features for the Parakeet front end, written independently of log-mel.ts.

NumPy only (no torch/librosa on the test machines), following NeMo's AudioToMelSpectrogramPreprocessor
at inference as onnx-asr's torch reference does (which onnx-asr checks against NeMo within
atol 5e-4): pre-emphasis 0.97, torch.stft(center=True, pad_mode="constant") with a symmetric
400-point Hann window zero-padded to 512, power spectrum, librosa's Slaney mel filterbank,
log(x + 2**-24), per-feature normalisation over floor(N / 160) frames with the unbiased std + 1e-5.

Usage: python3 nemo_log_mel_reference.py IN.f32 OUT.f32 [N_MELS]  (float32 little-endian)
"""

import sys

import numpy as np


def slaney_hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    linear = f / (200.0 / 3)
    logarithmic = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(f >= 1000.0, logarithmic, linear)


def slaney_mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    linear = m * (200.0 / 3)
    logarithmic = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
    return np.where(m >= 15.0, logarithmic, linear)


def mel_filterbank(n_mels, sr=16000, n_fft=512):
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    edges = slaney_mel_to_hz(np.linspace(slaney_hz_to_mel(0.0), slaney_hz_to_mel(sr / 2), n_mels + 2))
    lower = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1] - edges[:-2])[:, None]
    upper = (edges[2:, None] - freqs[None, :]) / (edges[2:] - edges[1:-1])[:, None]
    fb = np.maximum(0.0, np.minimum(lower, upper))
    return fb * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def log_mel(x, n_mels=128):
    x = x.astype(np.float64)
    y = np.concatenate([x[:1], x[1:] - 0.97 * x[:-1]])
    padded = np.pad(y, (256, 256))
    window = np.pad(np.hanning(400), (56, 56))
    frames = 1 + (len(padded) - 512) // 160
    index = np.arange(512)[None, :] + 160 * np.arange(frames)[:, None]
    spectrum = np.abs(np.fft.rfft(padded[index] * window, axis=1)) ** 2
    mel = np.log(spectrum @ mel_filterbank(n_mels).T + 2.0**-24).T
    valid = len(x) // 160
    mean = mel[:, :valid].mean(axis=1, keepdims=True)
    std = mel[:, :valid].std(axis=1, ddof=1, keepdims=True)
    out = np.zeros_like(mel)
    out[:, :valid] = (mel[:, :valid] - mean) / (std + 1e-5)
    return out.astype(np.float32)


if __name__ == "__main__":
    samples = np.fromfile(sys.argv[1], dtype="<f4")
    n_mels = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    log_mel(samples, n_mels).tofile(sys.argv[2])
