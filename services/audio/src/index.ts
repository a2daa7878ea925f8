export { convertRate, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, RateConverter } from './rate-converter.ts';
export { Downsampler, designLowPass, ROOM_SAMPLE_RATE, type StageSpec, stagesFor, Upsampler } from './resampler.ts';
export type { Samples } from './samples.ts';
