export { Downsampler, designLowPass, ROOM_SAMPLE_RATE, type StageSpec, stagesFor, Upsampler } from './resampler.ts';
export type { Samples } from './samples.ts';
