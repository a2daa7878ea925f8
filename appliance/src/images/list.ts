import type Docker from 'dockerode';
import { imageReference, type ServiceDefinition } from '../stack/types.ts';

export interface StackImage {
  image: string;
  services: string[];
  present: boolean;
  /** Bytes on the engine, when present. */
  size?: number;
  /** Ours (built by `speaknode images build`) or a third party's (pulled or loaded from a bundle). */
  source: 'speaknode' | 'third-party';
}

/** Every image the given services need, and whether the engine has it. */
export async function listStackImages(
  docker: Docker,
  services: readonly Pick<ServiceDefinition, 'name' | 'image'>[],
  ourRegistry: string,
): Promise<StackImage[]> {
  const byImage = new Map<string, string[]>();
  for (const service of services) {
    const image = imageReference(service.image);
    byImage.set(image, [...(byImage.get(image) ?? []), service.name]);
  }
  const out: StackImage[] = [];
  for (const [image, names] of byImage) {
    let present = false;
    let size: number | undefined;
    try {
      const info = await docker.getImage(image).inspect();
      present = true;
      size = info.Size;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
    out.push({
      image,
      services: names,
      present,
      size,
      source: image.startsWith(`${ourRegistry}/`) ? 'speaknode' : 'third-party',
    });
  }
  return out;
}
