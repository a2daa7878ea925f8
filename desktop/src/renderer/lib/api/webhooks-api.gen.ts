/**
 * Generated from the webhook receiver's admin OpenAPI document by desktop/scripts/generate-api.ts. Do not edit:
 * run `npm run generate:api -w @speaknode/desktop`.
 */
/* eslint-disable */
export interface paths {
    "/admin/v1/routes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A space's inbound routes (every space's for the platform admin role without spaceId) */
        get: operations["listInboundRoutes"];
        put?: never;
        /** Create a route (admin or owner of its space) */
        post: operations["createInboundRoute"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/routes/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One route */
        get: operations["getInboundRoute"];
        put?: never;
        post?: never;
        /** Delete a route (admin or owner) */
        delete: operations["deleteInboundRoute"];
        options?: never;
        head?: never;
        /** Change a route: only the fields given change (admin or owner) */
        patch: operations["updateInboundRoute"];
        trace?: never;
    };
    "/admin/v1/routes/{key}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The route's last requests, newest first (this receiver's memory: up to 50, since it started) */
        get: operations["listInboundRouteDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Events the bus refused as invalid (platform admin role only) */
        get: operations["listDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/dead-letters/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One dead letter */
        get: operations["getDeadLetter"];
        put?: never;
        post?: never;
        /** Discard it */
        delete: operations["discardDeadLetter"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/dead-letters/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Put it back into the spool, behind what is queued */
        post: operations["replayDeadLetter"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Problem: {
            type: string;
            title: string;
            status: number;
            detail?: string;
            errors?: {
                path: string;
                message: string;
            }[];
        };
        InboundRoute: {
            key: string;
            url: string;
            spaceId: string;
            description: string;
            enabled: boolean;
            auth: {
                /** @constant */
                type: "none";
            } | {
                /** @constant */
                type: "bearer";
                /**
                 * @description set, and never shown
                 * @constant
                 */
                token: "********";
            } | {
                /** @constant */
                type: "basic";
                username: string;
                /**
                 * @description set, and never shown
                 * @constant
                 */
                password: "********";
            } | {
                /** @constant */
                type: "hmac";
                header: string;
                /**
                 * @description set, and never shown
                 * @constant
                 */
                secret: "********";
                /** @enum {string} */
                algorithm: "sha256" | "sha1" | "sha512";
                /** @enum {string} */
                encoding: "hex" | "base64";
                prefix: string;
            };
            rules: {
                name: string;
                /**
                 * @default webhooks.inbound
                 * @enum {string}
                 */
                topic: "webhooks.inbound" | "webhooks.twilio" | "webhooks.voximplant" | "webhooks.livekit";
                /** @default [] */
                filters: {
                    path: string;
                    equals?: unknown;
                    in?: unknown[];
                    exists?: boolean;
                }[];
                /** @default {} */
                transform: {
                    subjectPath?: string;
                    idPath?: string;
                    pick?: {
                        [key: string]: string;
                    };
                };
            }[];
            createdAt: string;
            updatedAt: string;
        };
        InboundRouteInput: {
            key: string;
            /** Format: uuid */
            spaceId: string;
            /** @default  */
            description?: string;
            /** @default true */
            enabled?: boolean;
            auth: {
                /** @constant */
                type: "none";
            } | {
                /** @constant */
                type: "bearer";
                token: string;
            } | {
                /** @constant */
                type: "basic";
                username: string;
                password: string;
            } | {
                /** @constant */
                type: "hmac";
                header: string;
                secret: string;
                /**
                 * @default sha256
                 * @enum {string}
                 */
                algorithm?: "sha256" | "sha1" | "sha512";
                /**
                 * @default hex
                 * @enum {string}
                 */
                encoding?: "hex" | "base64";
                /** @default  */
                prefix?: string;
            };
            /**
             * @default [
             *       {
             *         "name": "default",
             *         "topic": "webhooks.inbound",
             *         "filters": [],
             *         "transform": {}
             *       }
             *     ]
             */
            rules?: {
                name: string;
                /**
                 * @default webhooks.inbound
                 * @enum {string}
                 */
                topic?: "webhooks.inbound" | "webhooks.twilio" | "webhooks.voximplant" | "webhooks.livekit";
                /** @default [] */
                filters?: {
                    path: string;
                    equals?: unknown;
                    in?: unknown[];
                    exists?: boolean;
                }[];
                /** @default {} */
                transform?: {
                    subjectPath?: string;
                    idPath?: string;
                    pick?: {
                        [key: string]: string;
                    };
                };
            }[];
        };
        InboundRoutePatch: {
            description?: string;
            enabled?: boolean;
            auth?: {
                /** @constant */
                type: "none";
            } | {
                /** @constant */
                type: "bearer";
                token: string;
            } | {
                /** @constant */
                type: "basic";
                username: string;
                password: string;
            } | {
                /** @constant */
                type: "hmac";
                header: string;
                secret: string;
                /**
                 * @default sha256
                 * @enum {string}
                 */
                algorithm?: "sha256" | "sha1" | "sha512";
                /**
                 * @default hex
                 * @enum {string}
                 */
                encoding?: "hex" | "base64";
                /** @default  */
                prefix?: string;
            };
            rules?: {
                name: string;
                /**
                 * @default webhooks.inbound
                 * @enum {string}
                 */
                topic?: "webhooks.inbound" | "webhooks.twilio" | "webhooks.voximplant" | "webhooks.livekit";
                /** @default [] */
                filters?: {
                    path: string;
                    equals?: unknown;
                    in?: unknown[];
                    exists?: boolean;
                }[];
                /** @default {} */
                transform?: {
                    subjectPath?: string;
                    idPath?: string;
                    pick?: {
                        [key: string]: string;
                    };
                };
            }[];
        };
        RouteDelivery: {
            /** @description when the request arrived (ISO 8601) */
            at: string;
            /** @description the HTTP status the sender was answered */
            status: number;
            /**
             * @description accepted: spooled for the bus; no_rule: acknowledged and dropped; unauthorized: credentials wrong; refused: a bad body; failed: the spool could not take it
             * @enum {string}
             */
            outcome: "accepted" | "no_rule" | "unauthorized" | "refused" | "failed";
            contentType: string | null;
            bytes: number;
            /** @description the routing rule that matched */
            rule: string | null;
            topic: string | null;
            /** @description the bus event's id */
            eventId: string | null;
            /** @description why it was not accepted */
            detail: string | null;
        };
        DeadLetter: {
            id: string;
            type: string;
            topic: string;
            /** @description why the bus refused it */
            reason: string;
            /** @description when it was set aside (ISO 8601) */
            at: string;
            event: {
                id: string;
                type: string;
                /** Format: date-time */
                time: string;
                source: string;
                /** Format: uuid */
                spaceId?: string;
                subject?: string;
                data: unknown;
                schemaVersion: number;
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listInboundRoutes: {
        parameters: {
            query?: {
                spaceId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The routes, by key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            key: string;
                            url: string;
                            spaceId: string;
                            description: string;
                            enabled: boolean;
                            auth: {
                                /** @constant */
                                type: "none";
                            } | {
                                /** @constant */
                                type: "bearer";
                                /**
                                 * @description set, and never shown
                                 * @constant
                                 */
                                token: "********";
                            } | {
                                /** @constant */
                                type: "basic";
                                username: string;
                                /**
                                 * @description set, and never shown
                                 * @constant
                                 */
                                password: "********";
                            } | {
                                /** @constant */
                                type: "hmac";
                                header: string;
                                /**
                                 * @description set, and never shown
                                 * @constant
                                 */
                                secret: "********";
                                /** @enum {string} */
                                algorithm: "sha256" | "sha1" | "sha512";
                                /** @enum {string} */
                                encoding: "hex" | "base64";
                                prefix: string;
                            };
                            rules: {
                                name: string;
                                /**
                                 * @default webhooks.inbound
                                 * @enum {string}
                                 */
                                topic: "webhooks.inbound" | "webhooks.twilio" | "webhooks.voximplant" | "webhooks.livekit";
                                /** @default [] */
                                filters: {
                                    path: string;
                                    equals?: unknown;
                                    in?: unknown[];
                                    exists?: boolean;
                                }[];
                                /** @default {} */
                                transform: {
                                    subjectPath?: string;
                                    idPath?: string;
                                    pick?: {
                                        [key: string]: string;
                                    };
                                };
                            }[];
                            createdAt: string;
                            updatedAt: string;
                        }[];
                    };
                };
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createInboundRoute: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InboundRouteInput"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboundRoute"];
                };
            };
            /** @description The key is taken (keys are global) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getInboundRoute: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The route */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboundRoute"];
                };
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteInboundRoute: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateInboundRoute: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InboundRoutePatch"];
            };
        };
        responses: {
            /** @description The route as changed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboundRoute"];
                };
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listInboundRouteDeliveries: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Recent deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** @description when the request arrived (ISO 8601) */
                            at: string;
                            /** @description the HTTP status the sender was answered */
                            status: number;
                            /**
                             * @description accepted: spooled for the bus; no_rule: acknowledged and dropped; unauthorized: credentials wrong; refused: a bad body; failed: the spool could not take it
                             * @enum {string}
                             */
                            outcome: "accepted" | "no_rule" | "unauthorized" | "refused" | "failed";
                            contentType: string | null;
                            bytes: number;
                            /** @description the routing rule that matched */
                            rule: string | null;
                            topic: string | null;
                            /** @description the bus event's id */
                            eventId: string | null;
                            /** @description why it was not accepted */
                            detail: string | null;
                        }[];
                    };
                };
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listDeadLetters: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Dead letters */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        count: number;
                        items: {
                            id: string;
                            type: string;
                            topic: string;
                            /** @description why the bus refused it */
                            reason: string;
                            /** @description when it was set aside (ISO 8601) */
                            at: string;
                            event: {
                                id: string;
                                type: string;
                                /** Format: date-time */
                                time: string;
                                source: string;
                                /** Format: uuid */
                                spaceId?: string;
                                subject?: string;
                                data: unknown;
                                schemaVersion: number;
                            };
                        }[];
                    };
                };
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getDeadLetter: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The dead letter */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetter"];
                };
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    discardDeadLetter: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Discarded */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    replayDeadLetter: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued again */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        replayed: string;
                    };
                };
            };
            /** @description An error (RFC 9457 problem details) */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
