/**
 * Everything the service holds: the verified models folder, the inference workers and, per
 * model, its batcher. `start()` verifies the manifest (a missing or corrupt file is a
 * ManifestError, which stops the process), starts the workers, loads and warms every model
 * (unless told to load on first use), and keeps a readiness report for /readyz and /v1/models.
 * Without a models folder the host still starts: the VAD (which ships in the Silero plugin) loads,
 * and /readyz says what is missing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkRate, resample } from '../audio/resample.ts';
import type { HostMetrics } from '../http/metrics.ts';
import { DynamicBatcher } from '../inference/dynamic-batcher.ts';
import { EngineWorker } from '../inference/engine-worker-client.ts';
import type { Device } from '../inference/onnx-session.ts';
import { FEATURE_SAMPLE_RATE } from '../stt/log-mel.ts';
import { type BatchRecognition, type ParakeetInfo, parakeetFiles, type Quantization } from '../stt/parakeet.ts';
import { type DecodedToken, Vocabulary, type Word } from '../stt/vocabulary.ts';
import { EspeakPhonemizer, splitSentences } from '../tts/espeak-phonemizer.ts';
import type { SynthesisSettings } from '../tts/piper-synthesizer.ts';
import { type PiperVoiceConfig, phonemeIds } from '../tts/piper-voice.ts';
import { bundledSileroModel, VAD_CONTEXT, VAD_STATE_SIZE, type VadState } from '../vad/silero-vad.ts';
import { type FolderState, insideFolder, type ManifestEntry, requireVerified, verifyModelsFolder } from './manifest.ts';

export interface HostSettings {
  dir: string;
  device: Device;
  threads: number;
  preload: boolean;
  sttWorkers: number;
  maxBatch: number;
  batchWaitMs: number;
  maxQueue: number;
  maxUtteranceSeconds: number;
  quantization: Quantization;
  maxSymbolsPerFrame: number;
  vadModel?: string;
  /** Tests put a stand-in around espeak-ng here. */
  phonemizer?: Pick<EspeakPhonemizer, 'phonemize'>;
}

export type Log = (
  level: 'debug' | 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

/** A request the host cannot serve, with the HTTP status that says why. */
export class HostRequestError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HostRequestError';
  }
}

type LoadState = 'waiting' | 'loading' | 'ready' | 'failed';

interface SpeechModel {
  entry: Extract<ManifestEntry, { kind: 'parakeet-tdt' }>;
  dir: string;
  state: LoadState;
  error?: string;
  info?: ParakeetInfo;
  vocabulary?: Vocabulary;
  loading?: Promise<void>;
  batcher: DynamicBatcher<Float32Array, { tokens: DecodedToken[]; timing: BatchRecognition['timing']; batch: number }>;
}

interface VoiceModel {
  entry: Extract<ManifestEntry, { kind: 'piper' }>;
  file: string;
  state: LoadState;
  error?: string;
  config?: PiperVoiceConfig;
  loading?: Promise<void>;
}

export interface Transcription {
  text: string;
  language: string | undefined;
  durationSeconds: number;
  words: Word[];
  timing: BatchRecognition['timing'] & { batch: number; queuedMs: number; totalMs: number };
}

export interface SynthesizedSentence {
  text: string;
  audio: Float32Array;
  sampleRate: number;
  ortMs: number;
}

export class ModelHost {
  private folder: FolderState | undefined;
  private readonly speech = new Map<string, SpeechModel>();
  private readonly voices = new Map<string, VoiceModel>();
  private readonly sttWorkers: EngineWorker[] = [];
  private ttsWorker: EngineWorker | undefined;
  private vadWorker: EngineWorker | undefined;
  private vadState: LoadState = 'waiting';
  private vadError: string | undefined;
  private phase: 'starting' | 'verifying' | 'loading' | 'running' = 'starting';
  private readonly phonemizer: Pick<EspeakPhonemizer, 'phonemize'>;

  constructor(
    readonly settings: HostSettings,
    private readonly metrics: HostMetrics,
    private readonly log: Log = () => {},
  ) {
    this.phonemizer = settings.phonemizer ?? new EspeakPhonemizer();
  }

  async start(): Promise<void> {
    this.phase = 'verifying';
    this.folder = await verifyModelsFolder(this.settings.dir);
    this.vadWorker = this.worker('vad');
    const loads: Array<Promise<void>> = [this.loadVad()];
    if (this.folder.state === 'verified') {
      for (let i = 0; i < this.settings.sttWorkers; i++) this.sttWorkers.push(this.worker(`stt-${i}`));
      for (const entry of this.folder.manifest.models) this.register(entry, this.folder);
      if (this.voices.size > 0) this.ttsWorker = this.worker('tts');
    } else {
      this.log('warn', `models: ${this.folder.reason}; speech recognition and voices are unavailable`);
    }
    this.phase = 'loading';
    if (this.settings.preload) {
      for (const model of this.speech.values()) loads.push(this.ensureSpeech(model).catch(() => {}));
      for (const voice of this.voices.values()) loads.push(this.ensureVoice(voice).catch(() => {}));
    }
    await Promise.all(loads);
    this.phase = 'running';
  }

  private worker(name: string): EngineWorker {
    const worker = new EngineWorker(name);
    worker.onRestart = (error) => {
      this.metrics.workerRestarts.inc({ worker: name });
      this.log('error', `models: inference worker ${name} stopped and was restarted: ${error.message}`);
    };
    return worker;
  }

  private register(entry: ManifestEntry, folder: Extract<FolderState, { state: 'verified' }>): void {
    if (entry.kind === 'parakeet-tdt') {
      const dir = insideFolder(folder.dir, entry.path);
      const model: SpeechModel = {
        entry,
        dir,
        state: 'waiting',
        batcher: new DynamicBatcher({
          maxBatch: this.settings.maxBatch,
          maxWaitMs: this.settings.batchWaitMs,
          maxQueue: this.settings.maxQueue,
          runners: this.sttWorkers.length,
          run: async (audio, runner) => {
            const worker = this.sttWorkers[runner] as EngineWorker;
            const started = performance.now();
            const result = await worker.call<BatchRecognition>(
              'parakeet.recognize',
              { id: entry.id, audio },
              audio.map((a) => a.buffer as ArrayBuffer),
            );
            const ortSeconds = (result.timing.encoderMs + result.timing.jointMs) / 1000;
            this.metrics.sttInference.observe({ model: entry.id }, ortSeconds);
            this.log('debug', 'models: recognised a batch', {
              model: entry.id,
              batch: audio.length,
              ms: performance.now() - started,
            });
            return result.tokens.map((tokens) => ({ tokens, timing: result.timing, batch: audio.length }));
          },
          onBatch: (size, waited) => {
            this.metrics.sttBatchSize.observe({ model: entry.id }, size);
            for (const ms of waited) this.metrics.sttQueueWait.observe({ model: entry.id }, ms / 1000);
          },
        }),
      };
      this.speech.set(entry.id, model);
    } else {
      this.voices.set(entry.id, { entry, file: insideFolder(folder.dir, entry.path), state: 'waiting' });
    }
  }

  private verifiedFolder(): Extract<FolderState, { state: 'verified' }> {
    if (this.folder?.state !== 'verified') throw new Error('the models folder is not verified');
    return this.folder;
  }

  private ensureSpeech(model: SpeechModel): Promise<void> {
    model.loading ??= (async () => {
      model.state = 'loading';
      try {
        const files = parakeetFiles(model.dir, this.settings.quantization, this.settings.device);
        const data = join(model.dir, 'encoder-model.onnx.data');
        requireVerified(this.verifiedFolder(), [
          files.encoder,
          files.decoderJoint,
          files.vocab,
          ...(files.config ? [files.config] : []),
          ...(files.quantization === 'fp32' && existsSync(data) ? [data] : []),
        ]);
        const options = {
          device: this.settings.device,
          threads: this.settings.threads,
          quantization: this.settings.quantization,
          maxSymbolsPerFrame: this.settings.maxSymbolsPerFrame,
        };
        const infos = await Promise.all(
          this.sttWorkers.map((worker) =>
            worker.load<ParakeetInfo>('parakeet.load', { id: model.entry.id, dir: model.dir, options }),
          ),
        );
        model.info = infos[0] as ParakeetInfo;
        model.vocabulary = Vocabulary.fromPieces(model.info.pieces);
        // Warm up every worker once: the first run of a session allocates and optimises.
        const second = new Float32Array(FEATURE_SAMPLE_RATE).map((_, i) => 0.01 * Math.sin(i / 7));
        await Promise.all(
          this.sttWorkers.map((worker) => worker.call('parakeet.recognize', { id: model.entry.id, audio: [second] })),
        );
        model.state = 'ready';
        this.log('info', `models: ${model.entry.id} ready (${model.info.quantization}, ${this.settings.device})`);
      } catch (error) {
        model.state = 'failed';
        model.error = (error as Error).message;
        model.loading = undefined;
        this.log('error', `models: ${model.entry.id} failed to load: ${model.error}`);
        throw error;
      }
    })();
    return model.loading;
  }

  private ensureVoice(voice: VoiceModel): Promise<void> {
    voice.loading ??= (async () => {
      voice.state = 'loading';
      try {
        requireVerified(this.verifiedFolder(), [voice.file, `${voice.file}.json`]);
        const settings = { device: this.settings.device, threads: this.settings.threads };
        voice.config = await (this.ttsWorker as EngineWorker).load<PiperVoiceConfig>('piper.load', {
          id: voice.entry.id,
          file: voice.file,
          settings,
        });
        const { ids } = phonemeIds(voice.config, 'a');
        await (this.ttsWorker as EngineWorker).call('piper.synthesize', {
          id: voice.entry.id,
          ids,
          settings: this.synthesisSettings(voice.config),
        });
        voice.state = 'ready';
        this.log('info', `models: voice ${voice.entry.id} ready (${voice.config.audio.sample_rate} Hz)`);
      } catch (error) {
        voice.state = 'failed';
        voice.error = (error as Error).message;
        voice.loading = undefined;
        this.log('error', `models: voice ${voice.entry.id} failed to load: ${voice.error}`);
        throw error;
      }
    })();
    return voice.loading;
  }

  private async loadVad(): Promise<void> {
    this.vadState = 'loading';
    const file = this.settings.vadModel ?? bundledSileroModel();
    try {
      await (this.vadWorker as EngineWorker).load('silero.load', { file, settings: { device: 'cpu', threads: 1 } });
      this.vadState = 'ready';
    } catch (error) {
      this.vadState = 'failed';
      this.vadError = `${file}: ${(error as Error).message}`;
      this.log('error', `models: the Silero VAD failed to load: ${this.vadError}`);
    }
  }

  /** What /readyz reports: ready when every model listed is loaded and warmed (or loads on first use). */
  readiness(): { ready: boolean; problems: string[] } {
    const problems: string[] = [];
    if (this.phase !== 'running')
      problems.push(`the host is ${this.phase === 'verifying' ? 'verifying model checksums' : 'loading models'}`);
    if (this.folder?.state === 'absent') problems.push(this.folder.reason);
    if (this.folder?.state === 'verified' && this.speech.size + this.voices.size === 0) {
      problems.push(`the manifest in ${this.settings.dir} lists no models`);
    }
    const settled = (state: LoadState) => state === 'ready' || (!this.settings.preload && state === 'waiting');
    for (const model of this.speech.values()) {
      if (!settled(model.state))
        problems.push(`speech model ${model.entry.id} is ${model.state}${model.error ? `: ${model.error}` : ''}`);
    }
    for (const voice of this.voices.values()) {
      if (!settled(voice.state))
        problems.push(`voice ${voice.entry.id} is ${voice.state}${voice.error ? `: ${voice.error}` : ''}`);
    }
    if (this.vadState !== 'ready')
      problems.push(`the VAD is ${this.vadState}${this.vadError ? `: ${this.vadError}` : ''}`);
    return { ready: problems.length === 0, problems };
  }

  describe() {
    const device = this.settings.device;
    return {
      models: [
        ...[...this.speech.values()].map((m) => ({
          id: m.entry.id,
          kind: 'stt' as const,
          engine: 'parakeet-tdt',
          state: m.state,
          device,
          languages: m.entry.languages,
          ...(m.info ? { quantization: m.info.quantization } : {}),
          ...(m.error ? { error: m.error } : {}),
        })),
        ...[...this.voices.values()].map((v) => ({
          id: v.entry.id,
          kind: 'tts' as const,
          engine: 'piper',
          state: v.state,
          device,
          languages: v.entry.languages ?? (v.config?.language?.code ? [v.config.language.code.replace('_', '-')] : []),
          ...(v.config
            ? { sampleRate: v.config.audio.sample_rate, speakers: Object.keys(v.config.speaker_id_map) }
            : {}),
          ...(v.error ? { error: v.error } : {}),
        })),
        {
          id: 'silero-vad',
          kind: 'vad' as const,
          engine: 'silero',
          state: this.vadState,
          device: 'cpu' as const,
          languages: [],
        },
      ],
      voices: [...this.voices.keys()],
    };
  }

  speechModelIds(): string[] {
    return [...this.speech.keys()];
  }

  private speechModel(id: string | undefined): SpeechModel {
    if (this.folder?.state !== 'verified')
      throw new HostRequestError(503, 'Service Unavailable', this.folder?.reason ?? 'the host is starting', 30);
    const model = id ? this.speech.get(id) : this.speech.values().next().value;
    if (!model) {
      const known = [...this.speech.keys()];
      throw new HostRequestError(
        404,
        'Not Found',
        `no speech model ${id ?? ''}; this host has ${known.length ? known.join(', ') : 'none'}`,
      );
    }
    return model;
  }

  /** Checks a model and language before audio is read (a WebSocket stream asks at its start). */
  checkSpeechRequest(modelId: string | undefined, language: string | undefined): string {
    const model = this.speechModel(modelId);
    if (language) {
      const primary = language.split(/[-_]/)[0]?.toLowerCase();
      if (
        !model.entry.languages.some((l) => l.toLowerCase() === primary || l.toLowerCase() === language.toLowerCase())
      ) {
        throw new HostRequestError(
          422,
          'Unprocessable Content',
          `speech model ${model.entry.id} recognises ${model.entry.languages.join(', ')}; language ${language} is not one of them`,
        );
      }
    }
    return model.entry.id;
  }

  async transcribe(
    modelId: string | undefined,
    samples: Float32Array,
    sampleRate: number,
    language: string | undefined,
  ): Promise<Transcription> {
    const started = performance.now();
    const id = this.checkSpeechRequest(modelId, language);
    const model = this.speech.get(id) as SpeechModel;
    const durationSeconds = samples.length / sampleRate;
    if (durationSeconds > this.settings.maxUtteranceSeconds) {
      throw new HostRequestError(
        413,
        'Content Too Large',
        `the utterance is ${durationSeconds.toFixed(1)} s; this host takes at most ${this.settings.maxUtteranceSeconds} s`,
      );
    }
    if (durationSeconds < 0.05)
      throw new HostRequestError(422, 'Unprocessable Content', 'the utterance is shorter than 50 ms');
    if (model.state === 'failed')
      throw new HostRequestError(503, 'Service Unavailable', `speech model ${id} failed to load: ${model.error}`, 30);
    if (model.state !== 'ready') {
      if (this.settings.preload)
        throw new HostRequestError(503, 'Service Unavailable', `speech model ${id} is still loading`, 5);
      await this.ensureSpeech(model);
    }
    const audio = resample(samples, sampleRate, FEATURE_SAMPLE_RATE);
    this.metrics.sttQueueDepth.set({ model: id }, model.batcher.depth + 1);
    const queued = performance.now();
    let result: Awaited<ReturnType<SpeechModel['batcher']['submit']>>;
    try {
      // The audio is transferred to the worker: this copy is the request's own.
      result = await model.batcher.submit(audio === samples ? samples.slice() : audio);
    } finally {
      this.metrics.sttQueueDepth.set({ model: id }, model.batcher.depth);
    }
    const decoded = (model.vocabulary as Vocabulary).decode(result.tokens, durationSeconds);
    const totalMs = performance.now() - started;
    this.metrics.sttLatency.observe({ model: id }, totalMs / 1000);
    this.metrics.sttRealTimeFactor.observe({ model: id }, totalMs / 1000 / durationSeconds);
    this.metrics.sttAudioSeconds.inc({ model: id }, durationSeconds);
    return {
      text: decoded.text,
      language: language ?? (model.entry.languages.length === 1 ? model.entry.languages[0] : undefined),
      durationSeconds,
      words: decoded.words,
      timing: { ...result.timing, batch: result.batch, queuedMs: performance.now() - queued, totalMs },
    };
  }

  private synthesisSettings(config: PiperVoiceConfig, speakerId?: number): SynthesisSettings {
    return {
      noiseScale: config.inference.noise_scale,
      lengthScale: config.inference.length_scale,
      noiseW: config.inference.noise_w,
      ...(speakerId !== undefined ? { speakerId } : {}),
    };
  }

  /** Checks a synthesis request before any audio is sent; answers the voice's output rate. */
  async prepareVoice(voiceId: string): Promise<{ sampleRate: number; config: PiperVoiceConfig }> {
    if (this.folder?.state !== 'verified')
      throw new HostRequestError(503, 'Service Unavailable', this.folder?.reason ?? 'the host is starting', 30);
    const voice = this.voices.get(voiceId);
    if (!voice) {
      const known = [...this.voices.keys()];
      throw new HostRequestError(
        404,
        'Not Found',
        `no voice ${voiceId}; this host has ${known.length ? known.join(', ') : 'none'}`,
      );
    }
    if (voice.state === 'failed')
      throw new HostRequestError(503, 'Service Unavailable', `voice ${voiceId} failed to load: ${voice.error}`, 30);
    if (voice.state !== 'ready') {
      if (this.settings.preload)
        throw new HostRequestError(503, 'Service Unavailable', `voice ${voiceId} is still loading`, 5);
      await this.ensureVoice(voice);
    }
    const config = voice.config as PiperVoiceConfig;
    return { sampleRate: config.audio.sample_rate, config };
  }

  /**
   * Sentence by sentence: the next sentence is phonemised while the current one is synthesised,
   * and each is yielded as soon as its audio exists.
   */
  async *synthesize(
    voiceId: string,
    text: string,
    options: { sampleRate?: number; speaker?: string } = {},
  ): AsyncGenerator<SynthesizedSentence> {
    const { config } = await this.prepareVoice(voiceId);
    let speakerId: number | undefined;
    if (options.speaker !== undefined) {
      speakerId = config.speaker_id_map[options.speaker];
      if (speakerId === undefined) {
        throw new HostRequestError(
          422,
          'Unprocessable Content',
          `voice ${voiceId} has no speaker ${options.speaker}; it has ${Object.keys(config.speaker_id_map).join(', ') || 'one voice'}`,
        );
      }
    }
    const outputRate = options.sampleRate ?? config.audio.sample_rate;
    checkRate(outputRate);
    const sentences = splitSentences(text, config.language?.code?.replace('_', '-') ?? config.espeak.voice);
    const started = performance.now();
    let produced = 0;
    let first = true;
    let next = sentences.length ? this.phonemizer.phonemize(sentences[0] as string, config.espeak.voice) : undefined;
    for (let i = 0; i < sentences.length; i++) {
      const phonemes = await (next as Promise<string>);
      next =
        i + 1 < sentences.length
          ? this.phonemizer.phonemize(sentences[i + 1] as string, config.espeak.voice)
          : undefined;
      next?.catch(() => {});
      const { ids, unknown } = phonemeIds(config, phonemes);
      if (unknown.length)
        this.log('debug', 'models: phonemes the voice does not know were skipped', {
          voice: voiceId,
          unknown: [...new Set(unknown)],
        });
      if (ids.length <= 2) continue;
      const result = await (this.ttsWorker as EngineWorker).call<{ audio: Float32Array; ortMs: number }>(
        'piper.synthesize',
        {
          id: voiceId,
          ids,
          settings: this.synthesisSettings(config, speakerId),
        },
      );
      const audio = resample(result.audio, config.audio.sample_rate, outputRate);
      if (first) {
        this.metrics.ttsFirstAudio.observe({ voice: voiceId }, (performance.now() - started) / 1000);
        first = false;
      }
      produced += audio.length / outputRate;
      yield { text: sentences[i] as string, audio, sampleRate: outputRate, ortMs: result.ortMs };
    }
    this.metrics.ttsCharacters.inc({ voice: voiceId }, text.length);
    if (produced > 0)
      this.metrics.ttsRealTimeFactor.observe({ voice: voiceId }, (performance.now() - started) / 1000 / produced);
  }

  get vadReady(): boolean {
    return this.vadState === 'ready';
  }

  newVadState(): VadState {
    return { state: new Float32Array(VAD_STATE_SIZE), context: new Float32Array(VAD_CONTEXT) };
  }

  async vad(samples: Float32Array, state: VadState): Promise<VadState & { probabilities: Float32Array }> {
    if (!this.vadWorker || this.vadState !== 'ready')
      throw new HostRequestError(503, 'Service Unavailable', 'the VAD is not loaded', 5);
    return this.vadWorker.call('silero.run', { samples, state }, [samples.buffer as ArrayBuffer]);
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.sttWorkers, this.ttsWorker, this.vadWorker].filter((w) => w !== undefined).map((w) => w.close()),
    );
  }
}
