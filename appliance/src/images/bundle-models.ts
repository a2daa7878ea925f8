import type Docker from 'dockerode';
import { imageReference } from '../stack/types.ts';
import { LABEL_PROJECT, volumeName } from '../supervisor/container-spec.ts';
import type { EventSink } from '../supervisor/events.ts';
import { imagePresent, installBundleModels, loadBundle } from '../supervisor/images.ts';
import type { ResolvedStack } from '../supervisor/resolve.ts';

/**
 * Before `up --bundle`: the model files the bundle carries go into the models host's volume, so the
 * host finds them at its first start (its readiness waits for them). The models image is loaded from
 * the bundle first when the engine lacks it (the copy runs through a container of that image).
 * Nothing happens when the bundle has no model files or the stack runs no models host.
 */
export async function installBundledModels(
  docker: Docker,
  stack: ResolvedStack,
  bundle: string,
  onEvent: EventSink,
): Promise<{ files: number; volume?: string }> {
  const models = stack.services.find((service) => service.name === 'models');
  const mount = models?.volumes[0];
  if (!models || !mount) return { files: 0 };
  const image = imageReference(models.image);
  if (!(await imagePresent(docker, image))) await loadBundle(docker, bundle, onEvent);
  const volume = volumeName(stack.project, mount.volume);
  const files = await installBundleModels(docker, bundle, {
    volume,
    image,
    labels: { [LABEL_PROJECT]: stack.project },
  });
  return { files, volume };
}
