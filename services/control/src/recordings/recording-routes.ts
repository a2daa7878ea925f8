import { createReadStream } from 'node:fs';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { z } from 'zod';
import { spaceOf } from '../auth/space-access.ts';
import { findCall } from '../calls/call-store.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { LocalDirectoryObjectStore, RECORDING_LINK_TTL_SECONDS } from './object-store.ts';

/** `GET /calls/:callId/recording` (viewer): a short-lived link to the recording. */
export const recordingRoutes: RouteModule = {
  name: 'recordings',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    router.get('/calls/:callId/recording', async (req, res) => {
      const call = await findCall(ctx.pool, String(req.params.callId), { spaceId: spaceOf(res).spaceId });
      if (!call) throw HttpProblem.notFound(`no call ${req.params.callId}`);
      if (!call.recording_key) throw HttpProblem.notFound(`call ${call.id} has no recording`);
      const store = ctx.objectStore;
      if (store instanceof LocalDirectoryObjectStore && !(await store.exists(call.recording_key))) {
        throw HttpProblem.notFound(`the recording of call ${call.id} is not in the recordings directory`);
      }
      const url = await store.signedUrl(call.recording_key, RECORDING_LINK_TTL_SECONDS);
      res.set('Cache-Control', 'no-store').json({
        callId: call.id,
        url,
        expiresAt: new Date(Date.now() + RECORDING_LINK_TTL_SECONDS * 1000).toISOString(),
      });
    });
    return router;
  },
  openapi(doc) {
    doc.add('get', '/api/v1/spaces/:spaceId/calls/:callId/recording', {
      operationId: 'getCallRecording',
      summary: 'A short-lived link to the recording of a call',
      tags: ['calls'],
      responses: {
        200: {
          description: 'The link',
          schema: z.object({ callId: z.string(), url: z.string(), expiresAt: z.string() }),
        },
        404: { description: 'The call has no recording' },
      },
    });
  },
};

/** Links minted by the local recordings directory (embedded mode) are served here, checked by signature and expiry. */
export const recordingFileRoutes: RouteModule = {
  name: 'recording-files',
  mount: 'public',
  router(ctx) {
    const router = Router();
    router.get('/api/v1/recordings/files/*key', (req, res) => {
      const store = ctx.objectStore;
      if (!(store instanceof LocalDirectoryObjectStore))
        throw HttpProblem.notFound('recordings are served by the object store');
      const key = ([] as string[]).concat((req.params as { key: string | string[] }).key).join('/');
      const verdict = store.verifyLink(key, String(req.query.expires ?? ''), String(req.query.signature ?? ''));
      if (!verdict.ok) throw HttpProblem.forbidden(verdict.reason);
      const stream = createReadStream(verdict.path);
      stream.once('error', () => {
        if (!res.headersSent)
          res
            .status(404)
            .type('application/problem+json')
            .json({ title: 'Not Found', status: 404, detail: 'the recording is gone' });
      });
      stream.once('open', () => {
        res.set({
          'Content-Type': key.endsWith('.ogg') ? 'audio/ogg' : 'application/octet-stream',
          'Cache-Control': 'private, no-store',
        });
        stream.pipe(res);
      });
    });
    return router;
  },
};
