/** The host's Prometheus metrics (prom-client), one registry per host so tests can run several. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RTF_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2];

export class HostMetrics {
  readonly registry = new Registry();
  readonly sttQueueDepth = new Gauge({
    name: 'models_stt_queue_depth',
    help: 'Utterances waiting for a recognition batch',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly sttBatchSize = new Histogram({
    name: 'models_stt_batch_size',
    help: 'Utterances per recognition batch',
    labelNames: ['model'],
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  readonly sttQueueWait = new Histogram({
    name: 'models_stt_queue_wait_seconds',
    help: 'Time an utterance waited for its batch',
    labelNames: ['model'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly sttLatency = new Histogram({
    name: 'models_stt_request_duration_seconds',
    help: 'Transcription time from the request body to the answer',
    labelNames: ['model'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly sttInference = new Histogram({
    name: 'models_stt_inference_seconds',
    help: 'Time inside onnxruntime per recognition batch (encoder + joint)',
    labelNames: ['model'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly sttRealTimeFactor = new Histogram({
    name: 'models_stt_real_time_factor',
    help: 'Processing time divided by audio duration, per utterance (RTFx is its inverse)',
    labelNames: ['model'],
    buckets: RTF_BUCKETS,
    registers: [this.registry],
  });
  readonly sttAudioSeconds = new Counter({
    name: 'models_stt_audio_seconds_total',
    help: 'Seconds of audio transcribed',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly ttsFirstAudio = new Histogram({
    name: 'models_tts_first_audio_seconds',
    help: 'Time from a synthesis request to its first sentence of audio',
    labelNames: ['voice'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly ttsRealTimeFactor = new Histogram({
    name: 'models_tts_real_time_factor',
    help: 'Synthesis time divided by the audio duration produced, per request',
    labelNames: ['voice'],
    buckets: RTF_BUCKETS,
    registers: [this.registry],
  });
  readonly ttsCharacters = new Counter({
    name: 'models_tts_characters_total',
    help: 'Characters synthesised',
    labelNames: ['voice'],
    registers: [this.registry],
  });
  readonly streams = new Gauge({
    name: 'models_stt_streams',
    help: 'Open WebSocket recognition streams',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'models_requests_rejected_total',
    help: 'Requests refused, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly workerRestarts = new Counter({
    name: 'models_worker_restarts_total',
    help: 'Inference workers started again after they stopped',
    labelNames: ['worker'],
    registers: [this.registry],
  });
}
