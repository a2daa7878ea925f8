/**
 * Prints the receiver's admin OpenAPI document (the one `GET /admin/v1/openapi.json` serves) without
 * starting the receiver: the console's client regenerates from this.
 */
import { buildAdminOpenApiDocument } from '../admin-openapi.ts';

process.stdout.write(`${JSON.stringify(buildAdminOpenApiDocument(), null, 2)}\n`);
