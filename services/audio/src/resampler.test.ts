import { describe, expect, it } from 'vitest';
import { Downsampler, designLowPass, ROOM_SAMPLE_RATE, type StageSpec, stagesFor, Upsampler } from './resampler.ts';

/** Amplitude of the component at `freq` in `signal` (Goertzel over a whole number of cycles is not needed: long window). */
function amplitudeAt(signal: Float64Array, rate: number, freq: number): number {
  let re = 0;
  let im = 0;
  for (let n = 0; n < signal.length; n++) {
    // Hann window against leakage; the window's mean is 0.5.
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (signal.length - 1));
    re += w * (signal[n] as number) * Math.cos((2 * Math.PI * freq * n) / rate);
    im -= w * (signal[n] as number) * Math.sin((2 * Math.PI * freq * n) / rate);
  }
  return (2 * Math.hypot(re, im)) / (signal.length * 0.5);
}

function tone(freq: number, rate: number, seconds: number, amplitude = 10000): Float64Array {
  const out = new Float64Array(Math.round(rate * seconds));
  for (let n = 0; n < out.length; n++) out[n] = amplitude * Math.sin((2 * Math.PI * freq * n) / rate);
  return out;
}

/** Run a resampler over `input` in 20 ms pieces, as the bridge does, and drop the start-up transient. */
function runInFrames(
  resampler: Upsampler | Downsampler,
  input: Float64Array,
  inRate: number,
  outRate: number,
): Float64Array {
  const frame = inRate / 50;
  const size = Math.ceil((input.length * outRate) / inRate) + 16;
  let written = 0;
  let out: Float64Array;
  if (resampler instanceof Upsampler) {
    const samples = new Int16Array(size);
    for (let i = 0; i < input.length; i += frame) {
      written += resampler.process(input.subarray(i, i + frame), samples, Math.min(frame, input.length - i), written);
    }
    out = Float64Array.from(samples);
  } else {
    const samples = new Float32Array(size);
    for (let i = 0; i < input.length; i += frame) {
      written += resampler.process(input.subarray(i, i + frame), samples, Math.min(frame, input.length - i), written);
    }
    out = Float64Array.from(samples);
  }
  const skip = Math.round(outRate * 0.05);
  return out.subarray(skip, written);
}

const dB = (ratio: number) => 20 * Math.log10(ratio);

describe.each([8000, 16000] as const)('resampling between %i Hz and 48 kHz', (rate) => {
  const passband = rate === 8000 ? [300, 1000, 2000, 3000, 3400] : [300, 1000, 3000, 5000, 6800, 7000];
  // Images of a tone at f land at rate − f; only tones whose image is in the stopband are checked for images.
  const imageEdge = rate === 8000 ? 4600 : 9200;
  const stopband = rate === 8000 ? [4600, 5000, 7000, 9000, 12000, 20000] : [9200, 10000, 12000, 16000, 20000];

  it.each(passband)('down: %i Hz passes flat (within 0.5 dB)', (freq) => {
    const out = runInFrames(new Downsampler(rate), tone(freq, ROOM_SAMPLE_RATE, 0.5), ROOM_SAMPLE_RATE, rate);
    expect(Math.abs(dB(amplitudeAt(out, rate, freq) / 10000))).toBeLessThan(0.5);
  });

  it.each(stopband)('down: %i Hz is attenuated by at least 45 dB (no alias in the band)', (freq) => {
    const out = runInFrames(new Downsampler(rate), tone(freq, ROOM_SAMPLE_RATE, 0.5), ROOM_SAMPLE_RATE, rate);
    // Whatever survives lands on an alias frequency; measure all of it as RMS.
    let power = 0;
    for (const s of out) power += s * s;
    const rms = Math.sqrt(power / out.length);
    expect(dB(rms / (10000 / Math.SQRT2))).toBeLessThan(-45);
  });

  it.each(passband)('up: %i Hz passes flat and its images are at least 45 dB down', (freq) => {
    const out = runInFrames(new Upsampler(rate), tone(freq, rate, 0.5), rate, ROOM_SAMPLE_RATE);
    expect(Math.abs(dB(amplitudeAt(out, ROOM_SAMPLE_RATE, freq) / 10000))).toBeLessThan(0.5);
    for (const image of [rate - freq, rate + freq, 2 * rate - freq].filter((f) => f >= imageEdge)) {
      expect(dB(amplitudeAt(out, ROOM_SAMPLE_RATE, image) / 10000), `image at ${image} Hz`).toBeLessThan(-45);
    }
  });

  it('gives the same output whatever the frame size (state carries across calls)', () => {
    const input = tone(1000, ROOM_SAMPLE_RATE, 0.1);
    const whole = new Float32Array(input.length);
    const n1 = new Downsampler(rate).process(input, whole);
    const pieces = new Float32Array(input.length);
    const down = new Downsampler(rate);
    let n2 = 0;
    for (let i = 0; i < input.length; i += 7) {
      n2 += down.process(input.subarray(i, i + 7), pieces, Math.min(7, input.length - i), n2);
    }
    expect(n2).toBe(n1);
    for (let i = 0; i < n1; i++) expect(pieces[i]).toBeCloseTo(whole[i] as number, 6);
  });

  it('skips silence without changing a sample of the output', () => {
    // Silence, a tone burst, silence again: in 20 ms frames (silent frames take the shortcut) and
    // in 7-sample pieces (which the shortcut sees only where a whole piece and the history are zero).
    const down48 = new Float64Array(ROOM_SAMPLE_RATE / 2);
    down48.set(tone(700, ROOM_SAMPLE_RATE, 0.1), ROOM_SAMPLE_RATE / 10);
    const up = new Float64Array(rate / 2);
    up.set(tone(700, rate, 0.1), rate / 10);
    for (const [make, input, outLength] of [
      [() => new Downsampler(rate), down48, rate / 2],
      [() => new Upsampler(rate), up, ROOM_SAMPLE_RATE / 2],
    ] as const) {
      const run = (piece: number) => {
        const resampler = make();
        const out = resampler instanceof Upsampler ? new Int16Array(outLength + 16) : new Float32Array(outLength + 16);
        let written = 0;
        for (let i = 0; i < input.length; i += piece) {
          const n = Math.min(piece, input.length - i);
          written +=
            resampler instanceof Upsampler
              ? resampler.process(input.subarray(i, i + n), out as Int16Array, n, written)
              : resampler.process(input.subarray(i, i + n), out as Float32Array, n, written);
        }
        return Array.from(out.subarray(0, written), (v) => Math.round(v * 1e6) / 1e6);
      };
      const whole = run(input.length);
      expect(run(input.length / 25)).toEqual(whole);
      expect(run(7)).toEqual(whole);
    }
  });

  it('skips silence exactly whatever the piece sizes (random cuts through speech, silence, speech)', () => {
    // Pieces that leave inputs short of a whole output, then silence in whole outputs, then odd
    // pieces again: the silence shortcut must carry exactly what the filter would have.
    const input = new Float64Array(ROOM_SAMPLE_RATE / 2);
    input.set(tone(700, ROOM_SAMPLE_RATE, 0.1), 0);
    input.set(tone(900, ROOM_SAMPLE_RATE, 0.1), ROOM_SAMPLE_RATE * 0.35);
    let seed = 5;
    const nextSize = (i: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      // Mostly whole outputs in the silence, anything elsewhere.
      const inSilence = i > ROOM_SAMPLE_RATE * 0.12 && i < ROOM_SAMPLE_RATE * 0.33;
      return inSilence && seed % 4 !== 0 ? 960 : 1 + (seed % 50);
    };
    const whole = new Float32Array(input.length);
    const n1 = new Downsampler(rate).process(input, whole);
    for (let trial = 0; trial < 5; trial++) {
      const down = new Downsampler(rate);
      const pieces = new Float32Array(input.length);
      let written = 0;
      for (let i = 0; i < input.length; ) {
        const n = Math.min(nextSize(i), input.length - i);
        written += down.process(input.subarray(i, i + n), pieces, n, written);
        i += n;
      }
      expect(written).toBe(n1);
      expect(Array.from(pieces.subarray(0, written))).toEqual(Array.from(whole.subarray(0, n1)));
    }
  });

  it('produces exactly factor × input samples on the way up', () => {
    const up = new Upsampler(rate);
    const out = new Int16Array(ROOM_SAMPLE_RATE);
    expect(up.process(new Float64Array(rate / 50), out)).toBe(ROOM_SAMPLE_RATE / 50);
  });
});

it('clamps to the 16-bit range on the way up instead of wrapping', () => {
  const up = new Upsampler(8000);
  const square = Float64Array.from({ length: 160 }, (_, i) => (i % 20 < 10 ? 32767 : -32768));
  const out = new Int16Array(960);
  up.process(square, out);
  // A full-scale square wave overshoots after filtering (Gibbs); wrapping would jump by ~65536.
  expect(Math.max(...out)).toBe(32767);
  expect(Math.min(...out)).toBe(-32768);
  let largestStep = 0;
  for (let i = 1; i < 960; i++)
    largestStep = Math.max(largestStep, Math.abs((out[i] as number) - (out[i - 1] as number)));
  expect(largestStep).toBeLessThan(40000);
});

it('serves any number of resamplers at once (each filter is designed once per process)', () => {
  // Every phone leg has one of each; a bridge carries hundreds of legs.
  const legs = Array.from({ length: 2000 }, (_, i) => ({
    up: new Upsampler(i % 2 ? 8000 : 16000),
    down: new Downsampler(i % 2 ? 8000 : 16000),
  }));
  const last16k = legs[1998] as { up: Upsampler };
  const out = new Int16Array(960);
  expect(last16k.up.process(new Float64Array(320).fill(1000), out)).toBe(960);
  expect(Math.abs((out[900] as number) - 1000)).toBeLessThan(10);
});

it('refuses rates it has no filter for', () => {
  expect(() => new Upsampler(44100 as 8000)).toThrow(/unsupported telephone sample rate 44100/);
});

describe.each([8000, 16000] as const)('the %i Hz filters match a direct-form reference', (rate) => {
  // Plain double-precision convolution, sample by sample, with the same filter designs: the SIMD
  // kernels must give the same samples (any misplaced tap, row or history shows up here, even
  // where a tone's amplitude would not change).
  const noise = (length: number, seed: number) => {
    let state = seed;
    return Float64Array.from({ length }, () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return (state / 2 ** 31 - 0.5) * 20000;
    });
  };
  const interpolate = (x: Float64Array, spec: StageSpec) => {
    const h = designLowPass(spec.length, spec.cutoffHz, spec.rate, spec.beta, spec.factor);
    const y = new Float64Array(x.length * spec.factor);
    for (let m = 0; m < y.length; m++) {
      // y[m] = Σ h[i] · zero-stuffed x[m − i]
      let sum = 0;
      for (let i = m % spec.factor; i < h.length && i <= m; i += spec.factor)
        sum += (h[i] as number) * (x[(m - i) / spec.factor] as number);
      y[m] = sum;
    }
    return y;
  };
  const decimate = (x: Float64Array, spec: StageSpec) => {
    const h = designLowPass(spec.length, spec.cutoffHz, spec.rate, spec.beta, 1);
    // Output j ends at input j·factor + factor − 1.
    const y = new Float64Array(Math.floor(x.length / spec.factor));
    for (let j = 0; j < y.length; j++) {
      const m = j * spec.factor + spec.factor - 1;
      let sum = 0;
      for (let i = 0; i < h.length && i <= m; i++) sum += (h[i] as number) * (x[m - i] as number);
      y[j] = sum;
    }
    return y;
  };

  it('up', () => {
    const input = noise(rate * 0.3, 7);
    const expected = stagesFor(rate).reduce(interpolate, input);
    const out = new Int16Array(expected.length);
    const up = new Upsampler(rate);
    let written = 0;
    for (let i = 0; i < input.length; i += rate / 50)
      written += up.process(input.subarray(i, i + rate / 50), out, rate / 50, written);
    expect(written).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < written; i++) {
      const want = Math.max(-32768, Math.min(32767, expected[i] as number));
      worst = Math.max(worst, Math.abs((out[i] as number) - want));
    }
    // Rounded to 16 bits: within half a step, plus single-precision arithmetic.
    expect(worst).toBeLessThan(0.52);
  });

  it('down', () => {
    const input = noise(ROOM_SAMPLE_RATE * 0.3, 11);
    const expected = [...stagesFor(rate)].reverse().reduce(decimate, input);
    const out = new Float32Array(expected.length);
    const down = new Downsampler(rate);
    let written = 0;
    for (let i = 0; i < input.length; i += 960) written += down.process(input.subarray(i, i + 960), out, 960, written);
    expect(written).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < written; i++) worst = Math.max(worst, Math.abs((out[i] as number) - (expected[i] as number)));
    expect(worst).toBeLessThan(0.05);
  });
});
