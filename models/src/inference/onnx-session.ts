/**
 * Opening ONNX Runtime sessions the same way everywhere: the execution provider the host was told
 * to use (CPU by default; CUDA only where the GPU image ships onnxruntime's CUDA provider, and then
 * without a silent fallback), and a check that a model file has the inputs and outputs the engine
 * will feed it, so a wrong file fails at load with its name rather than mid-request.
 */
import ort from 'onnxruntime-node';

export type Device = 'cpu' | 'cuda';

export interface SessionSettings {
  device: Device;
  /** Intra-op threads; 0 lets onnxruntime choose (one per core). */
  threads: number;
}

export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ModelFileError';
  }
}

export async function openSession(file: string, settings: SessionSettings): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: settings.device === 'cuda' ? [{ name: 'cuda', deviceId: 0 }] : ['cpu'],
    graphOptimizationLevel: 'all',
    ...(settings.threads > 0 ? { intraOpNumThreads: settings.threads } : {}),
    interOpNumThreads: 1,
  };
  try {
    return await ort.InferenceSession.create(file, options);
  } catch (error) {
    const reason = (error as Error).message;
    if (settings.device === 'cuda') {
      throw new ModelFileError(
        file,
        `onnxruntime could not open it on CUDA (${reason}); the image needs onnxruntime's CUDA provider and an NVIDIA device, or set MODELS_DEVICE=cpu`,
      );
    }
    throw new ModelFileError(file, `onnxruntime could not open it: ${reason}`);
  }
}

export interface TensorSpec {
  name: string;
  type: ort.Tensor.Type;
  /** Fixed sizes to check; `undefined` entries are dynamic. */
  dims?: ReadonlyArray<number | undefined>;
}

/** The session's declared inputs and outputs include `inputs` and `outputs` with these types and ranks. */
export function expectSignature(
  session: ort.InferenceSession,
  file: string,
  inputs: readonly TensorSpec[],
  outputs: readonly TensorSpec[],
): void {
  const check = (
    kind: 'input' | 'output',
    specs: readonly TensorSpec[],
    metadata: readonly ort.InferenceSession.ValueMetadata[],
  ) => {
    for (const spec of specs) {
      const meta = metadata.find((m) => m.name === spec.name);
      if (!meta) {
        throw new ModelFileError(
          file,
          `has no ${kind} named "${spec.name}" (it has ${metadata.map((m) => m.name).join(', ')}); is this the right model file?`,
        );
      }
      if (!meta.isTensor || meta.type !== spec.type) {
        throw new ModelFileError(
          file,
          `${kind} "${spec.name}" is ${meta.isTensor ? meta.type : 'not a tensor'}, expected ${spec.type}`,
        );
      }
      if (spec.dims) {
        const shape = meta.shape;
        if (shape.length !== spec.dims.length) {
          throw new ModelFileError(
            file,
            `${kind} "${spec.name}" has rank ${shape.length}, expected ${spec.dims.length}`,
          );
        }
        spec.dims.forEach((want, i) => {
          const have = shape[i];
          if (want !== undefined && typeof have === 'number' && have !== want) {
            throw new ModelFileError(file, `${kind} "${spec.name}" dimension ${i} is ${have}, expected ${want}`);
          }
        });
      }
    }
  };
  check('input', inputs, session.inputMetadata);
  check('output', outputs, session.outputMetadata);
}

export function fixedDim(session: ort.InferenceSession, name: string, index: number): number | undefined {
  const meta = [...session.inputMetadata, ...session.outputMetadata].find((m) => m.name === name);
  if (!meta?.isTensor) return undefined;
  const dim = meta.shape[index];
  return typeof dim === 'number' ? dim : undefined;
}

/** Milliseconds spent inside onnxruntime, summed per model part. */
export class OrtClock {
  readonly parts: Record<string, number> = {};

  async run(
    part: string,
    session: ort.InferenceSession,
    feeds: ort.InferenceSession.FeedsType,
  ): Promise<ort.InferenceSession.ReturnType> {
    const started = performance.now();
    try {
      return await session.run(feeds);
    } finally {
      this.parts[part] = (this.parts[part] ?? 0) + performance.now() - started;
    }
  }

  total(): number {
    return Object.values(this.parts).reduce((a, b) => a + b, 0);
  }
}
