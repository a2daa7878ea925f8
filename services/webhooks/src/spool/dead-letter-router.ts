import { type OidcVerifier, requireBearerToken, rolesOf, verifiedTokenOf } from '@speaknode/runtime/auth';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { intakeProblem } from '../event-intake.ts';
import type { DeadLetter } from './dead-letters.ts';
import type { Spool } from './spool.ts';

/**
 * `/admin/v1/dead-letters`: events the bus refused as invalid, set aside by the relay. Dead letters
 * span every space and may hold any sender's payload, so only the platform role `adminRole` sees
 * them. `GET /` lists them, `POST /{id}/replay` puts one back into the spool (behind what is
 * queued; refused again, it comes back here), `DELETE /{id}` discards one.
 */
export function deadLetterRouter(options: { spool: Spool; verifier: OidcVerifier; adminRole: string }): Router {
  const router = Router();
  router.use(requireBearerToken(options.verifier), (_req, res, next) => {
    const token = verifiedTokenOf(res);
    if (!token || !rolesOf(token.claims).includes(options.adminRole)) {
      throw HttpProblem.forbidden(`dead letters need the platform role ${options.adminRole}`);
    }
    next();
  });

  const letters = options.spool.deadLetters;
  router.get('/', (_req, res) => {
    res.json({ count: letters.count, items: letters.list().map(describe) });
  });

  router.get('/:id', (req, res) => {
    const letter = letters.find(String(req.params.id));
    if (!letter) throw HttpProblem.notFound(`no dead letter ${String(req.params.id).slice(0, 200)}`);
    res.json(describe(letter));
  });

  router.post('/:id/replay', async (req, res) => {
    const id = String(req.params.id);
    let replayed: boolean;
    try {
      replayed = await options.spool.replayDeadLetter(id);
    } catch (error) {
      throw intakeProblem(error);
    }
    if (!replayed) throw HttpProblem.notFound(`no dead letter ${id.slice(0, 200)}`);
    res.status(202).json({ replayed: id });
  });

  router.delete('/:id', async (req, res) => {
    const id = String(req.params.id);
    if (!(await letters.remove(id))) throw HttpProblem.notFound(`no dead letter ${id.slice(0, 200)}`);
    res.status(204).end();
  });
  return router;
}

function describe(letter: DeadLetter) {
  return {
    id: letter.event.id,
    type: letter.event.type,
    topic: letter.topic,
    reason: letter.reason,
    at: letter.at,
    event: letter.event,
  };
}
