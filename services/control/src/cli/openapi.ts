/**
 * Prints control's OpenAPI document (the one `GET /openapi.json` serves) without starting control:
 * clients generated from it (the console's) regenerate from this.
 */
import { buildOpenApiDocument } from '../openapi/document.ts';
import { routeModules } from '../routes/index.ts';

process.stdout.write(`${JSON.stringify(buildOpenApiDocument(routeModules), null, 2)}\n`);
