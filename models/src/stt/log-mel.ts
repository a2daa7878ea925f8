/**
 * The log-mel features Parakeet was trained on, computed as NeMo's `AudioToMelSpectrogramPreprocessor`
 * does at inference (no dither, `pad_to: 0`): pre-emphasis 0.97; a 512-point STFT with a symmetric
 * 400-sample Hann window centred in the frame, hop 160 (10 ms at 16 kHz), zero-padded by 256 on each
 * side (torch.stft `center=True`, `pad_mode="constant"`); power spectrum; 128 triangular mel
 * filters on the Slaney scale with Slaney area normalisation from 0 to 8 kHz (librosa's default);
 * `log(x + 2^-24)`; then each mel band normalised over the utterance's valid frames (mean, unbiased
 * standard deviation + 1e-5). Valid frames are `floor(samples / 160)`; the one extra STFT frame
 * and any padding are zero, as NeMo leaves them.
 */
import FFT from 'fft.js';

export const FEATURE_SAMPLE_RATE = 16_000;
const N_FFT = 512;
const WIN_LENGTH = 400;
export const HOP_LENGTH = 160;
const PREEMPHASIS = 0.97;
const LOG_GUARD = 2 ** -24;
const STD_GUARD = 1e-5;
const BINS = N_FFT / 2 + 1;

export class FeatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureError';
  }
}

export interface Features {
  /** `[mels][frames]`, row-major. */
  data: Float32Array;
  mels: number;
  /** STFT frames (valid + 1). */
  frames: number;
  /** Frames the model should read (NeMo's `length`). */
  validFrames: number;
}

/** Slaney-scale mel, as librosa's `hz_to_mel(htk=False)`. */
function hzToMel(hz: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logStep : hz / fSp;
}

function melToHz(mel: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
}

interface MelFilter {
  first: number;
  weights: Float64Array;
}

/** librosa.filters.mel(sr=16000, n_fft=512, n_mels, fmin=0, fmax=8000, htk=False, norm='slaney'), kept sparse. */
export function melFilterbank(mels: number, sampleRate = FEATURE_SAMPLE_RATE): MelFilter[] {
  const maxMel = hzToMel(sampleRate / 2);
  const points = Array.from({ length: mels + 2 }, (_, i) => melToHz((maxMel * i) / (mels + 1)));
  const filters: MelFilter[] = [];
  for (let m = 0; m < mels; m++) {
    const [lo, mid, hi] = [points[m] as number, points[m + 1] as number, points[m + 2] as number];
    const norm = 2 / (hi - lo);
    const dense = Array.from({ length: BINS }, (_, k) => {
      const f = (k * sampleRate) / N_FFT;
      return Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid))) * norm;
    });
    const first = Math.max(
      0,
      dense.findIndex((w) => w > 0),
    );
    const last = dense.findLastIndex((w) => w > 0);
    filters.push({ first, weights: Float64Array.from(dense.slice(first, last + 1)) });
  }
  return filters;
}

export class LogMelExtractor {
  private readonly fft = new FFT(N_FFT);
  private readonly window = new Float64Array(N_FFT);
  private readonly filters: MelFilter[];
  private readonly frame = new Float64Array(N_FFT);
  private readonly spectrum = new Float64Array(2 * N_FFT);
  private readonly power = new Float64Array(BINS);

  constructor(readonly mels = 128) {
    const offset = (N_FFT - WIN_LENGTH) / 2;
    for (let n = 0; n < WIN_LENGTH; n++) {
      this.window[offset + n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (WIN_LENGTH - 1));
    }
    this.filters = melFilterbank(mels);
  }

  /** Features of 16 kHz samples in [-1, 1]. */
  compute(samples: Float32Array): Features {
    const validFrames = Math.floor(samples.length / HOP_LENGTH);
    if (validFrames < 2) {
      throw new FeatureError(`the audio is too short: ${samples.length} samples at 16 kHz (at least 320 are needed)`);
    }
    const frames = validFrames + 1;
    const emphasised = new Float64Array(samples.length);
    emphasised[0] = samples[0] as number;
    for (let i = 1; i < samples.length; i++) {
      emphasised[i] = (samples[i] as number) - PREEMPHASIS * (samples[i - 1] as number);
    }
    const mels = this.mels;
    const logMel = new Float64Array(mels * frames);
    const half = N_FFT / 2;
    for (let t = 0; t < frames; t++) {
      const start = t * HOP_LENGTH - half;
      for (let n = 0; n < N_FFT; n++) {
        const i = start + n;
        this.frame[n] = i >= 0 && i < emphasised.length ? (emphasised[i] as number) * (this.window[n] as number) : 0;
      }
      this.fft.realTransform(this.spectrum, this.frame);
      for (let k = 0; k < BINS; k++) {
        const re = this.spectrum[2 * k] as number;
        const im = this.spectrum[2 * k + 1] as number;
        this.power[k] = re * re + im * im;
      }
      for (let m = 0; m < mels; m++) {
        const filter = this.filters[m] as MelFilter;
        let sum = 0;
        for (let j = 0; j < filter.weights.length; j++)
          sum += (filter.weights[j] as number) * (this.power[filter.first + j] as number);
        logMel[m * frames + t] = Math.log(sum + LOG_GUARD);
      }
    }
    const data = new Float32Array(mels * frames);
    for (let m = 0; m < mels; m++) {
      const row = m * frames;
      let mean = 0;
      for (let t = 0; t < validFrames; t++) mean += logMel[row + t] as number;
      mean /= validFrames;
      let variance = 0;
      for (let t = 0; t < validFrames; t++) variance += ((logMel[row + t] as number) - mean) ** 2;
      const scale = 1 / (Math.sqrt(variance / (validFrames - 1)) + STD_GUARD);
      for (let t = 0; t < validFrames; t++) data[row + t] = ((logMel[row + t] as number) - mean) * scale;
    }
    return { data, mels, frames, validFrames };
  }
}
