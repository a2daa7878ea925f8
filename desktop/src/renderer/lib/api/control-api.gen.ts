/**
 * Generated from control's OpenAPI document by desktop/scripts/generate-api.ts. Do not edit:
 * run `npm run generate:api -w @speaknode/desktop`.
 */
/* eslint-disable */
export interface paths {
    "/api/v1/spaces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The spaces the caller is a member of (an API key: its own space) */
        get: operations["listSpaces"];
        put?: never;
        /** Create a space; the caller becomes its owner */
        post: operations["createSpace"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A space, with the caller’s role in it */
        get: operations["getSpace"];
        put?: never;
        post?: never;
        /** Delete a space and everything in it (owner) */
        delete: operations["deleteSpace"];
        options?: never;
        head?: never;
        /** Rename a space or change its tool and webhook host allow-lists, as a JSON Merge Patch (admin) */
        patch: operations["updateSpace"];
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Members of the space and their roles */
        get: operations["listMembers"];
        put?: never;
        /** Add a user (by OIDC subject) with a role (admin; owner role: owner) */
        post: operations["addMember"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/members/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One member */
        get: operations["getMember"];
        put?: never;
        post?: never;
        /** Remove a member (admin; an owner: owner; the last owner stays) */
        delete: operations["removeMember"];
        options?: never;
        head?: never;
        /** Change a member’s role or the address this space knows them by, as a JSON Merge Patch (admin; owner role: owner) */
        patch: operations["updateMember"];
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/agents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Agents of the space; `q` filters by name */
        get: operations["listAgents"];
        put?: never;
        /** Create an agent (editor) */
        post: operations["createAgent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/agents/{agentId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One agent with its full configuration */
        get: operations["getAgent"];
        /** Replace an agent’s configuration (editor) */
        put: operations["replaceAgent"];
        post?: never;
        /** Delete an agent no number points at (editor) */
        delete: operations["deleteAgent"];
        options?: never;
        head?: never;
        /** Change the fields sent, as a JSON Merge Patch: nested objects merge, null clears (editor) */
        patch: operations["updateAgent"];
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/tools": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** HTTP tools of the space */
        get: operations["listTools"];
        put?: never;
        /** Create an HTTP tool (editor) */
        post: operations["createTool"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/tools/{toolId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One tool */
        get: operations["getTool"];
        /** Replace a tool’s definition (editor) */
        put: operations["replaceTool"];
        post?: never;
        /** Delete a tool no agent uses (editor) */
        delete: operations["deleteTool"];
        options?: never;
        head?: never;
        /** Change the fields sent, as a JSON Merge Patch: nested objects merge, null clears (editor) */
        patch: operations["updateTool"];
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/tools/{toolId}/try": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run the saved tool once with sample arguments, through the agent worker’s executor (editor); shows the request and the answer, secrets redacted */
        post: operations["tryTool"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/phone-numbers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Phone numbers of the space */
        get: operations["listPhoneNumbers"];
        put?: never;
        /** Attach a Twilio or VoxImplant number to an agent (admin) */
        post: operations["createPhoneNumber"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/phone-numbers/{phoneNumberId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One number */
        get: operations["getPhoneNumber"];
        /** Replace a number’s settings (admin) */
        put: operations["replacePhoneNumber"];
        post?: never;
        /** Detach a number (admin) */
        delete: operations["deletePhoneNumber"];
        options?: never;
        head?: never;
        /** Change the fields sent, e.g. the agent that answers, as a JSON Merge Patch (admin) */
        patch: operations["updatePhoneNumber"];
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/phone-numbers/{phoneNumberId}/provider-setup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What to paste into Twilio’s or VoxImplant’s console for this number */
        get: operations["getPhoneNumberProviderSetup"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Credential metadata (never the secrets) */
        get: operations["listCredentials"];
        put?: never;
        /** Store a secret, encrypted; it is never returned (admin) */
        post: operations["createCredential"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/credentials/{credentialId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One credential’s metadata */
        get: operations["getCredential"];
        put?: never;
        post?: never;
        /** Delete a credential nothing uses any more (admin) */
        delete: operations["deleteCredential"];
        options?: never;
        head?: never;
        /** Rename, change settings or replace the secret, as a JSON Merge Patch (admin) */
        patch: operations["updateCredential"];
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Outbound webhook subscriptions (never their secrets) */
        get: operations["listWebhooks"];
        put?: never;
        /** Subscribe an endpoint; the signing secret is returned once (admin) */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/webhooks/{webhookId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One subscription */
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /** Delete a subscription (admin) */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        /** Change, enable or disable a subscription, as a JSON Merge Patch (admin) */
        patch: operations["updateWebhook"];
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/webhooks/{webhookId}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Deliveries to a webhook, newest first (admin) */
        get: operations["listWebhookMessages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/webhooks/{webhookId}/messages/{messageId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One delivery with every attempt (admin) */
        get: operations["getWebhookMessage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/webhooks/{webhookId}/messages/{messageId}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a message again from a fresh retry schedule (admin) */
        post: operations["replayWebhookMessage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** API keys of the space (never the keys themselves) */
        get: operations["listApiKeys"];
        put?: never;
        /** Create an API key with a role; the key is returned once (admin) */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/api-keys/{apiKeyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One API key’s metadata */
        get: operations["getApiKey"];
        put?: never;
        post?: never;
        /** Revoke an API key (admin) */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        /** Rename a key or change its role (at most yours), as a JSON Merge Patch (admin) */
        patch: operations["updateApiKey"];
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/calls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Calls of the space, newest first; filter by status, channel, agent */
        get: operations["listCalls"];
        put?: never;
        /** The agent calls a number from one of the space's numbers (editor); the call then runs like any other. 422 for a number that is not valid, on the do-not-call list, or a {{variable}} the agent needs and the request lacks. An Idempotency-Key header makes a retry return the first request's call instead of dialling again */
        post: operations["createOutboundCall"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/calls/{callId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One call with its transcript, event log and usage */
        get: operations["getCall"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/calls/{callId}/transcript": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The transcript of a call, in order */
        get: operations["getCallTranscript"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/calls/{callId}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What happened to a call: status moves, provider and LiveKit events, outages, failures */
        get: operations["getCallEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/do-not-call": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Numbers this space never calls */
        get: operations["listDoNotCall"];
        put?: never;
        /** Adds a number to the do-not-call list (editor); adding it again changes nothing */
        post: operations["addDoNotCall"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/do-not-call/{number}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Takes a number off the do-not-call list (editor) */
        delete: operations["removeDoNotCall"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/campaigns": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The space's campaigns, newest first, with their progress */
        get: operations["listCampaigns"];
        put?: never;
        /** Creates a draft campaign (editor): an agent, a caller-ID number, the schedule, the concurrency cap, calls per second, the retry policy and the CSV column mapping */
        post: operations["createCampaign"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/campaigns/{campaignId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A campaign with its progress (contacts per status) */
        get: operations["getCampaign"];
        put?: never;
        post?: never;
        /** Deletes a draft, completed or cancelled campaign and its contacts (editor); the calls stay */
        delete: operations["deleteCampaign"];
        options?: never;
        head?: never;
        /** Changes a campaign that has not finished (editor); a running one uses the change from its next call */
        patch: operations["updateCampaign"];
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/campaigns/{campaignId}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Starts a draft campaign that has contacts (editor): the dialler begins calling. 409 from any other state */
        post: operations["startCampaign"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/campaigns/{campaignId}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pauses a running campaign (editor): calls in progress finish, no new ones start. 409 from any other state */
        post: operations["pauseCampaign"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/campaigns/{campaignId}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resumes a paused campaign (editor). 409 from any other state */
        post: operations["resumeCampaign"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/campaigns/{campaignId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancels a campaign (editor): contacts still waiting are cancelled, calls in progress finish. 409 from any other state */
        post: operations["cancelCampaign"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/campaigns/{campaignId}/contacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A campaign's contacts in CSV line order, with their status, tries, last outcome and calls */
        get: operations["listCampaignContacts"];
        put?: never;
        /** Adds contacts from a CSV (editor; draft or paused campaigns): the header names the columns, mapped by the campaign's `columns` to the number and the variables. Each bad row is reported with its line and why; up to 100,000 contacts per campaign */
        post: operations["importCampaignContacts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/campaigns/{campaignId}/contacts/{contactId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One contact of a campaign */
        get: operations["getCampaignContact"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/campaigns/{campaignId}/results.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The results as CSV (text/csv): line, number, status, attempts, last outcome, last reason, call ids, then the variables */
        get: operations["exportCampaignResults"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/calls/{callId}/recording": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A short-lived link to the recording of a call */
        get: operations["getCallRecording"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/calls/{callId}/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Usage of a call and the state of its billing events */
        get: operations["getCallUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/billing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The space’s plan and latest invoices in Lago, when Lago is configured (admin) */
        get: operations["getSpaceBilling"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Usage of the space between from and to (default: the last 30 days), per agent and in total */
        get: operations["getSpaceUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The audit log of the space, newest first */
        get: operations["listAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/audit/{entryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One audit entry */
        get: operations["getAuditEntry"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a test conversation with an agent (editor): voice (default) gives a LiveKit room and token; `{"mode":"text"}` a text session whose messages go through control */
        post: operations["createTestSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions/{sessionId}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a message to a text test session; the reply as JSON, or streamed as Server-Sent Events with `Accept: text/event-stream` (editor) */
        post: operations["sendTestSessionMessage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions/{sessionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** End a text test session; the call ends with its usage (editor) */
        delete: operations["endTestSession"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/public/agents/{publishableKey}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What the widget needs to render an agent */
        get: operations["getPublicAgent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/public/agents/{publishableKey}/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A conversation for a widget visitor: voice (default) gives a call and a LiveKit token; `{"mode":"text"}` a text session and its session token */
        post: operations["createWidgetSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/public/agents/{publishableKey}/sessions/{sessionId}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A visitor’s message (`Authorization: Bearer <sessionToken>`); the reply as JSON, or streamed as Server-Sent Events with `Accept: text/event-stream`. Tool calls show only their names. */
        post: operations["sendWidgetSessionMessage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/public/agents/{publishableKey}/sessions/{sessionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** The visitor ends the conversation (`Authorization: Bearer <sessionToken>`) */
        delete: operations["endWidgetSession"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/traces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** OTLP/HTTP trace export from the agent worker (application/x-protobuf or application/json; service:agent token). Spans of calls that are not calls of the space they name are refused and counted in partialSuccess. */
        post: operations["exportTraces"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/analytics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Calls, minutes, outcomes, latency percentiles per stage, interruption and tool error rates, cost by provider and peak concurrency, in total and per hour or day (viewer and up) */
        get: operations["getAnalytics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/spaces/{spaceId}/analytics/calls/{callId}/turns": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One call's turn waterfall: EOU → STT → LLM → TTS per turn, tool calls, providers (viewer and up) */
        get: operations["getCallTurns"];
        put?: never;
        post?: never;
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
        Space: {
            name: string;
            /** @default [] */
            toolHostAllowList: string[];
            /** @default [] */
            webhookHostAllowList: string[];
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** @enum {string} */
            role?: "viewer" | "editor" | "admin" | "owner";
        };
        SpaceInput: {
            name: string;
            /** @default [] */
            toolHostAllowList?: string[];
            /** @default [] */
            webhookHostAllowList?: string[];
        };
        Member: {
            /** Format: uuid */
            userId: string;
            /** Format: uuid */
            spaceId: string;
            subject: string;
            email: string | null;
            /** @enum {string} */
            role: "viewer" | "editor" | "admin" | "owner";
            /** Format: date-time */
            createdAt: string;
        };
        Agent: {
            name: string;
            /** @default  */
            description: string;
            prompt: string;
            greeting?: string;
            /** @default en-US */
            language: string;
            llm: {
                /** @constant */
                provider: "openai-compatible";
                /** Format: uri */
                baseUrl?: string;
                model: string;
                /** Format: uuid */
                credentialId?: string;
                /** @default 0.7 */
                temperature: number;
                maxOutputTokens?: number;
            };
            stt: {
                /** @constant */
                provider: "speaknode-models";
                /** @default parakeet-tdt-0.6b-v2 */
                model: string;
            } | {
                /** @constant */
                provider: "openai";
                /** @default gpt-4o-mini-transcribe */
                model: string;
                /** Format: uri */
                baseUrl?: string;
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                provider: "deepgram";
                /** @default nova-3 */
                model: string;
                /** Format: uuid */
                credentialId: string;
            };
            tts: {
                /** @constant */
                provider: "speaknode-models";
                /** @default piper */
                model: string;
                voice: string;
            } | {
                /** @constant */
                provider: "openai";
                /** Format: uri */
                baseUrl?: string;
                model: string;
                voice: string;
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                provider: "elevenlabs";
                model: string;
                voice: string;
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                provider: "cartesia";
                model: string;
                voice: string;
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                provider: "deepgram";
                model: string;
                voice: string;
                /** Format: uuid */
                credentialId: string;
            };
            /** @default [] */
            toolIds: string[];
            /** @default true */
            endCallEnabled: boolean;
            /**
             * @default {
             *       "enabled": false,
             *       "destinations": []
             *     }
             */
            transfer: {
                /** @default false */
                enabled: boolean;
                /** @default [] */
                destinations: string[];
            };
            /**
             * @default {
             *       "detection": "vad",
             *       "minEndpointingDelayMs": 500,
             *       "maxEndpointingDelayMs": 6000
             *     }
             */
            turn: {
                /**
                 * @default vad
                 * @enum {string}
                 */
                detection: "vad" | "stt";
                /** @default 500 */
                minEndpointingDelayMs: number;
                /** @default 6000 */
                maxEndpointingDelayMs: number;
            };
            /**
             * @default {
             *       "enabled": true,
             *       "minDurationMs": 200,
             *       "minWords": 0,
             *       "falseInterruptionResumeMs": 1500
             *     }
             */
            interruption: {
                /** @default true */
                enabled: boolean;
                /** @default 200 */
                minDurationMs: number;
                /** @default 0 */
                minWords: number;
                /** @default 1500 */
                falseInterruptionResumeMs: number;
            };
            /**
             * @default {
             *       "enabled": true,
             *       "terminator": "#",
             *       "interDigitTimeoutMs": 2000,
             *       "maxDigits": 16,
             *       "sendDtmfEnabled": false
             *     }
             */
            keypad: {
                /** @default true */
                enabled: boolean;
                /**
                 * @default #
                 * @enum {string}
                 */
                terminator: "#" | "*" | "none";
                /** @default 2000 */
                interDigitTimeoutMs: number;
                /** @default 16 */
                maxDigits: number;
                /** @default false */
                sendDtmfEnabled: boolean;
            };
            /**
             * @default {
             *       "maxDurationSeconds": 1800,
             *       "silenceTimeoutSeconds": 30
             *     }
             */
            limits: {
                /** @default 1800 */
                maxDurationSeconds: number;
                /** @default 30 */
                silenceTimeoutSeconds: number;
            };
            /** @default false */
            recordingEnabled: boolean;
            /**
             * @default {
             *       "allowedOrigins": [],
             *       "voiceEnabled": true,
             *       "textEnabled": true,
             *       "appearance": {
             *         "position": "bottom-right"
             *       }
             *     }
             */
            widget: {
                /** @default [] */
                allowedOrigins: unknown[];
                /** @default true */
                voiceEnabled: boolean;
                /** @default true */
                textEnabled: boolean;
                /**
                 * @default {
                 *       "position": "bottom-right"
                 *     }
                 */
                appearance: {
                    title?: string;
                    accentColor?: string;
                    /**
                     * @default bottom-right
                     * @enum {string}
                     */
                    position: "bottom-right" | "bottom-left" | "inline";
                };
            };
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            publishableKey: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        AgentInput: {
            name: string;
            /** @default  */
            description?: string;
            prompt: string;
            greeting?: string;
            /** @default en-US */
            language?: string;
            llm: {
                /** @constant */
                provider: "openai-compatible";
                /** Format: uri */
                baseUrl?: string;
                model: string;
                /** Format: uuid */
                credentialId?: string;
                /** @default 0.7 */
                temperature?: number;
                maxOutputTokens?: number;
            };
            stt: {
                /** @constant */
                provider: "speaknode-models";
                /** @default parakeet-tdt-0.6b-v2 */
                model?: string;
            } | {
                /** @constant */
                provider: "openai";
                /** @default gpt-4o-mini-transcribe */
                model?: string;
                /** Format: uri */
                baseUrl?: string;
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                provider: "deepgram";
                /** @default nova-3 */
                model?: string;
                /** Format: uuid */
                credentialId: string;
            };
            tts: {
                /** @constant */
                provider: "speaknode-models";
                /** @default piper */
                model?: string;
                voice: string;
            } | {
                /** @constant */
                provider: "openai";
                /** Format: uri */
                baseUrl?: string;
                model: string;
                voice: string;
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                provider: "elevenlabs";
                model: string;
                voice: string;
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                provider: "cartesia";
                model: string;
                voice: string;
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                provider: "deepgram";
                model: string;
                voice: string;
                /** Format: uuid */
                credentialId: string;
            };
            /** @default [] */
            toolIds?: string[];
            /** @default true */
            endCallEnabled?: boolean;
            /**
             * @default {
             *       "enabled": false,
             *       "destinations": []
             *     }
             */
            transfer?: {
                /** @default false */
                enabled?: boolean;
                /** @default [] */
                destinations?: string[];
            };
            /**
             * @default {
             *       "detection": "vad",
             *       "minEndpointingDelayMs": 500,
             *       "maxEndpointingDelayMs": 6000
             *     }
             */
            turn?: {
                /**
                 * @default vad
                 * @enum {string}
                 */
                detection?: "vad" | "stt";
                /** @default 500 */
                minEndpointingDelayMs?: number;
                /** @default 6000 */
                maxEndpointingDelayMs?: number;
            };
            /**
             * @default {
             *       "enabled": true,
             *       "minDurationMs": 200,
             *       "minWords": 0,
             *       "falseInterruptionResumeMs": 1500
             *     }
             */
            interruption?: {
                /** @default true */
                enabled?: boolean;
                /** @default 200 */
                minDurationMs?: number;
                /** @default 0 */
                minWords?: number;
                /** @default 1500 */
                falseInterruptionResumeMs?: number;
            };
            /**
             * @default {
             *       "enabled": true,
             *       "terminator": "#",
             *       "interDigitTimeoutMs": 2000,
             *       "maxDigits": 16,
             *       "sendDtmfEnabled": false
             *     }
             */
            keypad?: {
                /** @default true */
                enabled?: boolean;
                /**
                 * @default #
                 * @enum {string}
                 */
                terminator?: "#" | "*" | "none";
                /** @default 2000 */
                interDigitTimeoutMs?: number;
                /** @default 16 */
                maxDigits?: number;
                /** @default false */
                sendDtmfEnabled?: boolean;
            };
            /**
             * @default {
             *       "maxDurationSeconds": 1800,
             *       "silenceTimeoutSeconds": 30
             *     }
             */
            limits?: {
                /** @default 1800 */
                maxDurationSeconds?: number;
                /** @default 30 */
                silenceTimeoutSeconds?: number;
            };
            /** @default false */
            recordingEnabled?: boolean;
            widget?: {
                allowedOrigins?: string[];
                /** @default true */
                voiceEnabled?: boolean;
                /** @default true */
                textEnabled?: boolean;
                /**
                 * @default {
                 *       "position": "bottom-right"
                 *     }
                 */
                appearance?: {
                    title?: string;
                    accentColor?: string;
                    /**
                     * @default bottom-right
                     * @enum {string}
                     */
                    position?: "bottom-right" | "bottom-left" | "inline";
                };
            };
        };
        HttpTool: {
            name: string;
            description: string;
            /**
             * @default {
             *       "type": "object",
             *       "properties": {}
             *     }
             */
            parameters: {
                /** @constant */
                type: "object";
            } & {
                [key: string]: unknown;
            };
            /**
             * @default POST
             * @enum {string}
             */
            method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
            urlTemplate: string;
            /** @default {} */
            headers: {
                [key: string]: string;
            };
            /**
             * @default {
             *       "type": "none"
             *     }
             */
            auth: {
                /** @constant */
                type: "none";
            } | {
                /** @constant */
                type: "bearer";
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                type: "basic";
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                type: "header";
                header: string;
                /** Format: uuid */
                credentialId: string;
            };
            /** @default 10000 */
            timeoutMs: number;
            /** @default 65536 */
            maxResponseBytes: number;
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        HttpToolInput: {
            name: string;
            description: string;
            /**
             * @default {
             *       "type": "object",
             *       "properties": {}
             *     }
             */
            parameters?: {
                /** @constant */
                type: "object";
            } & {
                [key: string]: unknown;
            };
            /**
             * @default POST
             * @enum {string}
             */
            method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
            urlTemplate: string;
            /** @default {} */
            headers?: {
                [key: string]: string;
            };
            /**
             * @default {
             *       "type": "none"
             *     }
             */
            auth?: {
                /** @constant */
                type: "none";
            } | {
                /** @constant */
                type: "bearer";
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                type: "basic";
                /** Format: uuid */
                credentialId: string;
            } | {
                /** @constant */
                type: "header";
                header: string;
                /** Format: uuid */
                credentialId: string;
            };
            /** @default 10000 */
            timeoutMs?: number;
            /** @default 65536 */
            maxResponseBytes?: number;
        };
        ToolTryInput: {
            /**
             * @description the sample arguments, as the model would pass them (the tool's parameter schema)
             * @default {}
             */
            arguments?: {
                [key: string]: unknown;
            };
        };
        ToolTryResult: {
            request: {
                method: string;
                url: string;
                headers: {
                    [key: string]: string;
                };
                body: string | null;
            } | null;
            response: {
                status: number;
                durationMs: number;
                output: unknown;
            } | null;
            error: {
                /** @enum {string} */
                kind: "bad_arguments" | "credential" | "refused" | "timeout" | "too_large" | "http_status" | "bad_response" | "network";
                message: string;
                status: number | null;
            } | null;
        };
        PhoneNumber: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            /** @enum {string} */
            provider: "twilio" | "voximplant";
            number: string;
            /** @enum {string} */
            mode: "sip" | "stream";
            /** Format: uuid */
            agentId: string;
            credentialId: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        PhoneNumberInput: {
            /** @enum {string} */
            provider: "twilio" | "voximplant";
            number: string;
            /** @enum {string} */
            mode: "sip" | "stream";
            /** Format: uuid */
            agentId: string;
            /** Format: uuid */
            credentialId?: string;
        };
        ProviderSetup: {
            /** Format: uuid */
            phoneNumberId: string;
            /** @enum {string} */
            provider: "twilio" | "voximplant";
            /** @enum {string} */
            mode: "sip" | "stream";
            fields: {
                label: string;
                value: string;
                where: string;
            }[];
            notes: string[];
        };
        Credential: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            name: string;
            /** @enum {string} */
            kind: "openai" | "deepgram" | "elevenlabs" | "cartesia" | "twilio" | "voximplant" | "http-tool" | "generic";
            settings: {
                [key: string]: string;
            };
            hint: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        CredentialInput: {
            name: string;
            /** @enum {string} */
            kind: "openai" | "deepgram" | "elevenlabs" | "cartesia" | "twilio" | "voximplant" | "http-tool" | "generic";
            secret: string;
            /** @default {} */
            settings?: {
                [key: string]: string;
            };
        };
        WebhookSubscription: {
            /** Format: uri */
            url: string;
            /** @default  */
            description: string;
            /** @default [] */
            eventTypes: ("call.started" | "call.ended" | "call.failed" | "call.transcript.ready" | "call.recording.ready" | "usage.updated" | "campaign.started" | "campaign.completed" | "campaign.contact.completed")[];
            /** @default true */
            enabled: boolean;
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            disabledReason: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        WebhookSubscriptionCreated: {
            /** Format: uri */
            url: string;
            /** @default  */
            description: string;
            /** @default [] */
            eventTypes: ("call.started" | "call.ended" | "call.failed" | "call.transcript.ready" | "call.recording.ready" | "usage.updated" | "campaign.started" | "campaign.completed" | "campaign.contact.completed")[];
            /** @default true */
            enabled: boolean;
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            disabledReason: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            secret: string;
        };
        WebhookSubscriptionInput: {
            /** Format: uri */
            url: string;
            /** @default  */
            description?: string;
            /** @default [] */
            eventTypes?: ("call.started" | "call.ended" | "call.failed" | "call.transcript.ready" | "call.recording.ready" | "usage.updated" | "campaign.started" | "campaign.completed" | "campaign.contact.completed")[];
            /** @default true */
            enabled?: boolean;
        };
        WebhookMessage: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            webhookId: string;
            eventId: string;
            eventType: string;
            /** @enum {string} */
            status: "pending" | "delivered" | "failed";
            attempts: number;
            nextAttemptAt: string | null;
            lastStatusCode: number | null;
            lastError: string | null;
            createdAt: string;
            deliveredAt: string | null;
            payload: unknown;
        };
        WebhookAttempt: {
            attemptedAt: string;
            durationMs: number | null;
            statusCode: number | null;
            error: string | null;
            responseExcerpt: string | null;
            /** @enum {string} */
            outcome: "delivered" | "retry" | "failed" | "disabled";
            nextAttemptAt: string | null;
        };
        ApiKey: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            name: string;
            /** @enum {string} */
            role: "viewer" | "editor" | "admin";
            prefix: string;
            /** Format: date-time */
            createdAt: string;
            lastUsedAt: string | null;
        };
        ApiKeyCreated: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            name: string;
            /** @enum {string} */
            role: "viewer" | "editor" | "admin";
            prefix: string;
            /** Format: date-time */
            createdAt: string;
            lastUsedAt: string | null;
            key: string;
        };
        Call: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            /** Format: uuid */
            agentId: string;
            /** @enum {string} */
            channel: "test" | "widget" | "phone";
            /** @enum {string} */
            transport: "voice" | "text";
            /** @enum {string} */
            status: "created" | "ringing" | "in_progress" | "ended" | "failed";
            roomName: string;
            /**
             * @default inbound
             * @enum {string}
             */
            direction: "inbound" | "outbound";
            provider: ("twilio" | "voximplant") | null;
            providerCallId: string | null;
            fromNumber: string | null;
            toNumber: string | null;
            /** Format: date-time */
            createdAt: string;
            startedAt: string | null;
            endedAt: string | null;
            durationSeconds: number | null;
            endReason: ("caller_hangup" | "agent_hangup" | "transferred" | "max_duration" | "silence_timeout" | "provider_error" | "no_answer" | "busy" | "canceled" | "error" | "voicemail") | null;
            failureReason: string | null;
            recordingKey: string | null;
        };
        OutboundCallInput: {
            /** Format: uuid */
            agentId: string;
            /** Format: uuid */
            from: string;
            to: string;
            /** @default {} */
            variables: {
                [key: string]: string;
            };
            /** @default false */
            answeringMachineDetection: boolean;
        };
        CampaignInput: {
            name: string;
            /** Format: uuid */
            agentId: string;
            /** Format: uuid */
            phoneNumberId: string;
            /**
             * @default {
             *       "timeZone": "UTC",
             *       "days": [
             *         "mon",
             *         "tue",
             *         "wed",
             *         "thu",
             *         "fri"
             *       ],
             *       "startTime": "09:00",
             *       "endTime": "18:00"
             *     }
             */
            schedule: {
                /** @default UTC */
                timeZone: string;
                /**
                 * @default [
                 *       "mon",
                 *       "tue",
                 *       "wed",
                 *       "thu",
                 *       "fri"
                 *     ]
                 */
                days: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[];
                /** @default 09:00 */
                startTime: string;
                /** @default 18:00 */
                endTime: string;
            };
            /** @default 5 */
            maxConcurrentCalls: number;
            /** @default 1 */
            callsPerSecond: number;
            /**
             * @default {
             *       "maxAttempts": 3,
             *       "delayMinutes": {
             *         "busy": 30,
             *         "no_answer": 60,
             *         "failed": 120
             *       }
             *     }
             */
            retry: {
                /** @default 3 */
                maxAttempts: number;
                /**
                 * @default {
                 *       "busy": 30,
                 *       "no_answer": 60,
                 *       "failed": 120
                 *     }
                 */
                delayMinutes: {
                    /** @default 30 */
                    busy: number;
                    /** @default 60 */
                    no_answer: number;
                    /** @default 120 */
                    failed: number;
                };
            };
            columns: {
                number: string;
                /** @default {} */
                variables: {
                    [key: string]: string;
                };
            };
            /** @default false */
            answeringMachineDetection: boolean;
        };
        Campaign: {
            name: string;
            /** Format: uuid */
            agentId: string;
            /** Format: uuid */
            phoneNumberId: string;
            /**
             * @default {
             *       "timeZone": "UTC",
             *       "days": [
             *         "mon",
             *         "tue",
             *         "wed",
             *         "thu",
             *         "fri"
             *       ],
             *       "startTime": "09:00",
             *       "endTime": "18:00"
             *     }
             */
            schedule: {
                /** @default UTC */
                timeZone: string;
                /**
                 * @default [
                 *       "mon",
                 *       "tue",
                 *       "wed",
                 *       "thu",
                 *       "fri"
                 *     ]
                 */
                days: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[];
                /** @default 09:00 */
                startTime: string;
                /** @default 18:00 */
                endTime: string;
            };
            /** @default 5 */
            maxConcurrentCalls: number;
            /** @default 1 */
            callsPerSecond: number;
            /**
             * @default {
             *       "maxAttempts": 3,
             *       "delayMinutes": {
             *         "busy": 30,
             *         "no_answer": 60,
             *         "failed": 120
             *       }
             *     }
             */
            retry: {
                /** @default 3 */
                maxAttempts: number;
                /**
                 * @default {
                 *       "busy": 30,
                 *       "no_answer": 60,
                 *       "failed": 120
                 *     }
                 */
                delayMinutes: {
                    /** @default 30 */
                    busy: number;
                    /** @default 60 */
                    no_answer: number;
                    /** @default 120 */
                    failed: number;
                };
            };
            columns: {
                number: string;
                /** @default {} */
                variables: {
                    [key: string]: string;
                };
            };
            /** @default false */
            answeringMachineDetection: boolean;
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            /** @enum {string} */
            status: "draft" | "running" | "paused" | "completed" | "cancelled";
            progress: {
                total: number;
                pending: number;
                dialling: number;
                completed: number;
                failed: number;
                skipped: number;
                cancelled: number;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            startedAt: string | null;
            completedAt: string | null;
        };
        CampaignContact: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            campaignId: string;
            line: number;
            number: string;
            variables: {
                [key: string]: string;
            };
            /** @enum {string} */
            status: "pending" | "dialling" | "completed" | "failed" | "skipped" | "cancelled";
            attempts: number;
            lastOutcome: ("answered" | "voicemail" | "busy" | "no_answer" | "failed" | "refused" | "do_not_call") | null;
            lastReason: string | null;
            nextAttemptAt: string | null;
            callIds: string[];
            /** Format: date-time */
            updatedAt: string;
        };
        CampaignImportResult: {
            imported: number;
            errors: {
                line: number;
                reason: string;
            }[];
            errorCount: number;
            total: number;
        };
        SpaceUsage: {
            from: string;
            to: string;
            calls: number;
            totals: {
                /** @default 0 */
                callSeconds: number;
                /** @default 0 */
                sttSeconds: number;
                /** @default 0 */
                ttsCharacters: number;
                /** @default 0 */
                llmPromptTokens: number;
                /** @default 0 */
                llmCompletionTokens: number;
                /** @default 0 */
                toolCalls: number;
            };
            byAgent: {
                /** Format: uuid */
                agentId: string;
                calls: number;
                usage: {
                    /** @default 0 */
                    callSeconds: number;
                    /** @default 0 */
                    sttSeconds: number;
                    /** @default 0 */
                    ttsCharacters: number;
                    /** @default 0 */
                    llmPromptTokens: number;
                    /** @default 0 */
                    llmCompletionTokens: number;
                    /** @default 0 */
                    toolCalls: number;
                };
            }[];
            billing: {
                lagoConfigured: boolean;
                sent: number;
                pending: number;
                lastError: string | null;
            };
        };
        SpaceBilling: {
            lagoConfigured: boolean;
            subscription: {
                externalId: string;
                externalCustomerId: string;
                planCode: string;
                planName: string | null;
                status: string;
                startedAt: string | null;
            } | null;
            invoices: {
                id: string;
                number: string;
                issuingDate: string;
                status: string;
                paymentStatus: string;
                totalAmountCents: number;
                currency: string;
                fileUrl: string | null;
            }[];
            error: string | null;
        };
        AuditEntry: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            spaceId: string;
            actor: {
                /** @enum {string} */
                type: "user" | "api_key" | "service";
                id: string;
                label: string;
                role: string | null;
            };
            /** @enum {string} */
            action: "created" | "updated" | "deleted";
            /** @enum {string} */
            resource: "space" | "member" | "agent" | "tool" | "phone_number" | "credential" | "webhook" | "api_key" | "campaign";
            resourceId: string;
            before: unknown | null;
            after: unknown | null;
            /** Format: date-time */
            createdAt: string;
        };
        TextReply: {
            reply: string;
            toolCalls: {
                name: string;
                arguments?: unknown;
                output?: string;
                error?: string;
            }[];
            ended: boolean;
            /** @enum {string} */
            endReason?: "caller_hangup" | "agent_hangup" | "transferred" | "max_duration" | "silence_timeout" | "provider_error" | "no_answer" | "busy" | "canceled" | "error" | "voicemail";
        };
        TextToolCall: {
            name: string;
            arguments?: unknown;
            output?: string;
            error?: string;
        };
        TextStreamDelta: {
            text: string;
        };
        TextStreamError: {
            problem: {
                /** @default about:blank */
                type: string;
                title: string;
                status: number;
                detail?: string;
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
    listSpaces: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of spaces */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            name: string;
                            /** @default [] */
                            toolHostAllowList: string[];
                            /** @default [] */
                            webhookHostAllowList: string[];
                            /** Format: uuid */
                            id: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            /** @enum {string} */
                            role?: "viewer" | "editor" | "admin" | "owner";
                        }[];
                        nextCursor: string | null;
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
    createSpace: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SpaceInput"];
            };
        };
        responses: {
            /** @description The space */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Space"];
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
    getSpace: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The space */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Space"];
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
    deleteSpace: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
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
    updateSpace: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears */
        requestBody: {
            content: {
                "application/merge-patch+json": {
                    name?: string | null;
                    toolHostAllowList?: string[] | null;
                    webhookHostAllowList?: string[] | null;
                };
                "application/json": {
                    name?: string | null;
                    toolHostAllowList?: string[] | null;
                    webhookHostAllowList?: string[] | null;
                };
            };
        };
        responses: {
            /** @description The space */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Space"];
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
    listMembers: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                role?: "viewer" | "editor" | "admin" | "owner";
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of members */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            userId: string;
                            /** Format: uuid */
                            spaceId: string;
                            subject: string;
                            email: string | null;
                            /** @enum {string} */
                            role: "viewer" | "editor" | "admin" | "owner";
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        nextCursor: string | null;
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
    addMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    subject: string;
                    /** Format: email */
                    email?: string;
                    /** @enum {string} */
                    role: "viewer" | "editor" | "admin" | "owner";
                };
            };
        };
        responses: {
            /** @description The member */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
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
    getMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
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
    removeMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
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
    updateMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                userId: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears */
        requestBody: {
            content: {
                "application/merge-patch+json": {
                    role?: ("viewer" | "editor" | "admin" | "owner") | null;
                    email?: string | null;
                };
                "application/json": {
                    role?: ("viewer" | "editor" | "admin" | "owner") | null;
                    email?: string | null;
                };
            };
        };
        responses: {
            /** @description The member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
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
    listAgents: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                q?: string;
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of agents */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            name: string;
                            /** @default  */
                            description: string;
                            prompt: string;
                            greeting?: string;
                            /** @default en-US */
                            language: string;
                            llm: {
                                /** @constant */
                                provider: "openai-compatible";
                                /** Format: uri */
                                baseUrl?: string;
                                model: string;
                                /** Format: uuid */
                                credentialId?: string;
                                /** @default 0.7 */
                                temperature: number;
                                maxOutputTokens?: number;
                            };
                            stt: {
                                /** @constant */
                                provider: "speaknode-models";
                                /** @default parakeet-tdt-0.6b-v2 */
                                model: string;
                            } | {
                                /** @constant */
                                provider: "openai";
                                /** @default gpt-4o-mini-transcribe */
                                model: string;
                                /** Format: uri */
                                baseUrl?: string;
                                /** Format: uuid */
                                credentialId: string;
                            } | {
                                /** @constant */
                                provider: "deepgram";
                                /** @default nova-3 */
                                model: string;
                                /** Format: uuid */
                                credentialId: string;
                            };
                            tts: {
                                /** @constant */
                                provider: "speaknode-models";
                                /** @default piper */
                                model: string;
                                voice: string;
                            } | {
                                /** @constant */
                                provider: "openai";
                                /** Format: uri */
                                baseUrl?: string;
                                model: string;
                                voice: string;
                                /** Format: uuid */
                                credentialId: string;
                            } | {
                                /** @constant */
                                provider: "elevenlabs";
                                model: string;
                                voice: string;
                                /** Format: uuid */
                                credentialId: string;
                            } | {
                                /** @constant */
                                provider: "cartesia";
                                model: string;
                                voice: string;
                                /** Format: uuid */
                                credentialId: string;
                            } | {
                                /** @constant */
                                provider: "deepgram";
                                model: string;
                                voice: string;
                                /** Format: uuid */
                                credentialId: string;
                            };
                            /** @default [] */
                            toolIds: string[];
                            /** @default true */
                            endCallEnabled: boolean;
                            /**
                             * @default {
                             *       "enabled": false,
                             *       "destinations": []
                             *     }
                             */
                            transfer: {
                                /** @default false */
                                enabled: boolean;
                                /** @default [] */
                                destinations: string[];
                            };
                            /**
                             * @default {
                             *       "detection": "vad",
                             *       "minEndpointingDelayMs": 500,
                             *       "maxEndpointingDelayMs": 6000
                             *     }
                             */
                            turn: {
                                /**
                                 * @default vad
                                 * @enum {string}
                                 */
                                detection: "vad" | "stt";
                                /** @default 500 */
                                minEndpointingDelayMs: number;
                                /** @default 6000 */
                                maxEndpointingDelayMs: number;
                            };
                            /**
                             * @default {
                             *       "enabled": true,
                             *       "minDurationMs": 200,
                             *       "minWords": 0,
                             *       "falseInterruptionResumeMs": 1500
                             *     }
                             */
                            interruption: {
                                /** @default true */
                                enabled: boolean;
                                /** @default 200 */
                                minDurationMs: number;
                                /** @default 0 */
                                minWords: number;
                                /** @default 1500 */
                                falseInterruptionResumeMs: number;
                            };
                            /**
                             * @default {
                             *       "enabled": true,
                             *       "terminator": "#",
                             *       "interDigitTimeoutMs": 2000,
                             *       "maxDigits": 16,
                             *       "sendDtmfEnabled": false
                             *     }
                             */
                            keypad: {
                                /** @default true */
                                enabled: boolean;
                                /**
                                 * @default #
                                 * @enum {string}
                                 */
                                terminator: "#" | "*" | "none";
                                /** @default 2000 */
                                interDigitTimeoutMs: number;
                                /** @default 16 */
                                maxDigits: number;
                                /** @default false */
                                sendDtmfEnabled: boolean;
                            };
                            /**
                             * @default {
                             *       "maxDurationSeconds": 1800,
                             *       "silenceTimeoutSeconds": 30
                             *     }
                             */
                            limits: {
                                /** @default 1800 */
                                maxDurationSeconds: number;
                                /** @default 30 */
                                silenceTimeoutSeconds: number;
                            };
                            /** @default false */
                            recordingEnabled: boolean;
                            /**
                             * @default {
                             *       "allowedOrigins": [],
                             *       "voiceEnabled": true,
                             *       "textEnabled": true,
                             *       "appearance": {
                             *         "position": "bottom-right"
                             *       }
                             *     }
                             */
                            widget: {
                                /** @default [] */
                                allowedOrigins: unknown[];
                                /** @default true */
                                voiceEnabled: boolean;
                                /** @default true */
                                textEnabled: boolean;
                                /**
                                 * @default {
                                 *       "position": "bottom-right"
                                 *     }
                                 */
                                appearance: {
                                    title?: string;
                                    accentColor?: string;
                                    /**
                                     * @default bottom-right
                                     * @enum {string}
                                     */
                                    position: "bottom-right" | "bottom-left" | "inline";
                                };
                            };
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            spaceId: string;
                            publishableKey: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                        nextCursor: string | null;
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
    createAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AgentInput"];
            };
        };
        responses: {
            /** @description The agent */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
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
    getAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                agentId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The agent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
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
    replaceAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                agentId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AgentInput"];
            };
        };
        responses: {
            /** @description The agent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
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
    deleteAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                agentId: string;
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
    updateAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                agentId: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears */
        requestBody: {
            content: {
                "application/merge-patch+json": {
                    name?: string | null;
                    description?: string | null;
                    prompt?: string | null;
                    greeting?: string | null;
                    language?: string | null;
                    llm?: {
                        provider?: "openai-compatible" | null;
                        baseUrl?: string | null;
                        model?: string | null;
                        credentialId?: string | null;
                        temperature?: number | null;
                        maxOutputTokens?: number | null;
                    } | null;
                    stt?: ({
                        provider?: "speaknode-models" | null;
                        model?: string | null;
                    } | {
                        provider?: "openai" | null;
                        model?: string | null;
                        baseUrl?: string | null;
                        credentialId?: string | null;
                    } | {
                        provider?: "deepgram" | null;
                        model?: string | null;
                        credentialId?: string | null;
                    }) | null;
                    tts?: ({
                        provider?: "speaknode-models" | null;
                        model?: string | null;
                        voice?: string | null;
                    } | {
                        provider?: "openai" | null;
                        baseUrl?: string | null;
                        model?: string | null;
                        voice?: string | null;
                        credentialId?: string | null;
                    } | {
                        provider?: "elevenlabs" | null;
                        model?: string | null;
                        voice?: string | null;
                        credentialId?: string | null;
                    } | {
                        provider?: "cartesia" | null;
                        model?: string | null;
                        voice?: string | null;
                        credentialId?: string | null;
                    } | {
                        provider?: "deepgram" | null;
                        model?: string | null;
                        voice?: string | null;
                        credentialId?: string | null;
                    }) | null;
                    toolIds?: string[] | null;
                    endCallEnabled?: boolean | null;
                    transfer?: {
                        enabled?: boolean | null;
                        destinations?: string[] | null;
                    } | null;
                    turn?: {
                        detection?: ("vad" | "stt") | null;
                        minEndpointingDelayMs?: number | null;
                        maxEndpointingDelayMs?: number | null;
                    } | null;
                    interruption?: {
                        enabled?: boolean | null;
                        minDurationMs?: number | null;
                        minWords?: number | null;
                        falseInterruptionResumeMs?: number | null;
                    } | null;
                    keypad?: {
                        enabled?: boolean | null;
                        terminator?: ("#" | "*" | "none") | null;
                        interDigitTimeoutMs?: number | null;
                        maxDigits?: number | null;
                        sendDtmfEnabled?: boolean | null;
                    } | null;
                    limits?: {
                        maxDurationSeconds?: number | null;
                        silenceTimeoutSeconds?: number | null;
                    } | null;
                    recordingEnabled?: boolean | null;
                    widget?: {
                        allowedOrigins?: string[] | null;
                        voiceEnabled?: boolean | null;
                        textEnabled?: boolean | null;
                        appearance?: {
                            title?: string | null;
                            accentColor?: string | null;
                            position?: ("bottom-right" | "bottom-left" | "inline") | null;
                        } | null;
                    } | null;
                };
                "application/json": {
                    name?: string | null;
                    description?: string | null;
                    prompt?: string | null;
                    greeting?: string | null;
                    language?: string | null;
                    llm?: {
                        provider?: "openai-compatible" | null;
                        baseUrl?: string | null;
                        model?: string | null;
                        credentialId?: string | null;
                        temperature?: number | null;
                        maxOutputTokens?: number | null;
                    } | null;
                    stt?: ({
                        provider?: "speaknode-models" | null;
                        model?: string | null;
                    } | {
                        provider?: "openai" | null;
                        model?: string | null;
                        baseUrl?: string | null;
                        credentialId?: string | null;
                    } | {
                        provider?: "deepgram" | null;
                        model?: string | null;
                        credentialId?: string | null;
                    }) | null;
                    tts?: ({
                        provider?: "speaknode-models" | null;
                        model?: string | null;
                        voice?: string | null;
                    } | {
                        provider?: "openai" | null;
                        baseUrl?: string | null;
                        model?: string | null;
                        voice?: string | null;
                        credentialId?: string | null;
                    } | {
                        provider?: "elevenlabs" | null;
                        model?: string | null;
                        voice?: string | null;
                        credentialId?: string | null;
                    } | {
                        provider?: "cartesia" | null;
                        model?: string | null;
                        voice?: string | null;
                        credentialId?: string | null;
                    } | {
                        provider?: "deepgram" | null;
                        model?: string | null;
                        voice?: string | null;
                        credentialId?: string | null;
                    }) | null;
                    toolIds?: string[] | null;
                    endCallEnabled?: boolean | null;
                    transfer?: {
                        enabled?: boolean | null;
                        destinations?: string[] | null;
                    } | null;
                    turn?: {
                        detection?: ("vad" | "stt") | null;
                        minEndpointingDelayMs?: number | null;
                        maxEndpointingDelayMs?: number | null;
                    } | null;
                    interruption?: {
                        enabled?: boolean | null;
                        minDurationMs?: number | null;
                        minWords?: number | null;
                        falseInterruptionResumeMs?: number | null;
                    } | null;
                    keypad?: {
                        enabled?: boolean | null;
                        terminator?: ("#" | "*" | "none") | null;
                        interDigitTimeoutMs?: number | null;
                        maxDigits?: number | null;
                        sendDtmfEnabled?: boolean | null;
                    } | null;
                    limits?: {
                        maxDurationSeconds?: number | null;
                        silenceTimeoutSeconds?: number | null;
                    } | null;
                    recordingEnabled?: boolean | null;
                    widget?: {
                        allowedOrigins?: string[] | null;
                        voiceEnabled?: boolean | null;
                        textEnabled?: boolean | null;
                        appearance?: {
                            title?: string | null;
                            accentColor?: string | null;
                            position?: ("bottom-right" | "bottom-left" | "inline") | null;
                        } | null;
                    } | null;
                };
            };
        };
        responses: {
            /** @description The agent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
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
    listTools: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                name?: string;
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tools */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            name: string;
                            description: string;
                            /**
                             * @default {
                             *       "type": "object",
                             *       "properties": {}
                             *     }
                             */
                            parameters: {
                                /** @constant */
                                type: "object";
                            } & {
                                [key: string]: unknown;
                            };
                            /**
                             * @default POST
                             * @enum {string}
                             */
                            method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
                            urlTemplate: string;
                            /** @default {} */
                            headers: {
                                [key: string]: string;
                            };
                            /**
                             * @default {
                             *       "type": "none"
                             *     }
                             */
                            auth: {
                                /** @constant */
                                type: "none";
                            } | {
                                /** @constant */
                                type: "bearer";
                                /** Format: uuid */
                                credentialId: string;
                            } | {
                                /** @constant */
                                type: "basic";
                                /** Format: uuid */
                                credentialId: string;
                            } | {
                                /** @constant */
                                type: "header";
                                header: string;
                                /** Format: uuid */
                                credentialId: string;
                            };
                            /** @default 10000 */
                            timeoutMs: number;
                            /** @default 65536 */
                            maxResponseBytes: number;
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            spaceId: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                        nextCursor: string | null;
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
    createTool: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HttpToolInput"];
            };
        };
        responses: {
            /** @description The tool */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HttpTool"];
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
    getTool: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                toolId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tool */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HttpTool"];
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
    replaceTool: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                toolId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HttpToolInput"];
            };
        };
        responses: {
            /** @description The tool */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HttpTool"];
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
    deleteTool: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                toolId: string;
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
    updateTool: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                toolId: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears */
        requestBody: {
            content: {
                "application/merge-patch+json": {
                    name?: string | null;
                    description?: string | null;
                    parameters?: ({
                        type?: "object" | null;
                    } & {
                        [key: string]: unknown;
                    }) | null;
                    method?: ("GET" | "POST" | "PUT" | "PATCH" | "DELETE") | null;
                    urlTemplate?: string | null;
                    headers?: {
                        [key: string]: string;
                    } | null;
                    auth?: ({
                        type?: "none" | null;
                    } | {
                        type?: "bearer" | null;
                        credentialId?: string | null;
                    } | {
                        type?: "basic" | null;
                        credentialId?: string | null;
                    } | {
                        type?: "header" | null;
                        header?: string | null;
                        credentialId?: string | null;
                    }) | null;
                    timeoutMs?: number | null;
                    maxResponseBytes?: number | null;
                };
                "application/json": {
                    name?: string | null;
                    description?: string | null;
                    parameters?: ({
                        type?: "object" | null;
                    } & {
                        [key: string]: unknown;
                    }) | null;
                    method?: ("GET" | "POST" | "PUT" | "PATCH" | "DELETE") | null;
                    urlTemplate?: string | null;
                    headers?: {
                        [key: string]: string;
                    } | null;
                    auth?: ({
                        type?: "none" | null;
                    } | {
                        type?: "bearer" | null;
                        credentialId?: string | null;
                    } | {
                        type?: "basic" | null;
                        credentialId?: string | null;
                    } | {
                        type?: "header" | null;
                        header?: string | null;
                        credentialId?: string | null;
                    }) | null;
                    timeoutMs?: number | null;
                    maxResponseBytes?: number | null;
                };
            };
        };
        responses: {
            /** @description The tool */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HttpTool"];
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
    tryTool: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                toolId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ToolTryInput"];
            };
        };
        responses: {
            /** @description What was sent and what came back (a failure of the tool is an answer too: `error`) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ToolTryResult"];
                };
            };
            /** @description The agent worker is not configured or cannot be reached */
            503: {
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
    listPhoneNumbers: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                provider?: "twilio" | "voximplant";
                agentId?: string;
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of numbers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            spaceId: string;
                            /** @enum {string} */
                            provider: "twilio" | "voximplant";
                            number: string;
                            /** @enum {string} */
                            mode: "sip" | "stream";
                            /** Format: uuid */
                            agentId: string;
                            credentialId: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                        nextCursor: string | null;
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
    createPhoneNumber: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PhoneNumberInput"];
            };
        };
        responses: {
            /** @description The number */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PhoneNumber"];
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
    getPhoneNumber: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                phoneNumberId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The number */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PhoneNumber"];
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
    replacePhoneNumber: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                phoneNumberId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PhoneNumberInput"];
            };
        };
        responses: {
            /** @description The number */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PhoneNumber"];
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
    deletePhoneNumber: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                phoneNumberId: string;
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
    updatePhoneNumber: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                phoneNumberId: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears */
        requestBody: {
            content: {
                "application/merge-patch+json": {
                    provider?: ("twilio" | "voximplant") | null;
                    number?: string | null;
                    mode?: ("sip" | "stream") | null;
                    agentId?: string | null;
                    credentialId?: string | null;
                };
                "application/json": {
                    provider?: ("twilio" | "voximplant") | null;
                    number?: string | null;
                    mode?: ("sip" | "stream") | null;
                    agentId?: string | null;
                    credentialId?: string | null;
                };
            };
        };
        responses: {
            /** @description The number */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PhoneNumber"];
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
    getPhoneNumberProviderSetup: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                phoneNumberId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The provider-side settings */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProviderSetup"];
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
    listCredentials: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                kind?: "openai" | "deepgram" | "elevenlabs" | "cartesia" | "twilio" | "voximplant" | "http-tool" | "generic";
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of credentials */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            spaceId: string;
                            name: string;
                            /** @enum {string} */
                            kind: "openai" | "deepgram" | "elevenlabs" | "cartesia" | "twilio" | "voximplant" | "http-tool" | "generic";
                            settings: {
                                [key: string]: string;
                            };
                            hint: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                        nextCursor: string | null;
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
    createCredential: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CredentialInput"];
            };
        };
        responses: {
            /** @description The credential’s metadata */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Credential"];
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
    getCredential: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                credentialId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The credential */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Credential"];
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
    deleteCredential: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                credentialId: string;
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
    updateCredential: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                credentialId: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears */
        requestBody: {
            content: {
                "application/merge-patch+json": {
                    name?: string | null;
                    kind?: ("openai" | "deepgram" | "elevenlabs" | "cartesia" | "twilio" | "voximplant" | "http-tool" | "generic") | null;
                    secret?: string | null;
                    settings?: {
                        [key: string]: string;
                    } | null;
                };
                "application/json": {
                    name?: string | null;
                    kind?: ("openai" | "deepgram" | "elevenlabs" | "cartesia" | "twilio" | "voximplant" | "http-tool" | "generic") | null;
                    secret?: string | null;
                    settings?: {
                        [key: string]: string;
                    } | null;
                };
            };
        };
        responses: {
            /** @description The credential */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Credential"];
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
    listWebhooks: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                enabled?: "true" | "false";
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of subscriptions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uri */
                            url: string;
                            /** @default  */
                            description: string;
                            /** @default [] */
                            eventTypes: ("call.started" | "call.ended" | "call.failed" | "call.transcript.ready" | "call.recording.ready" | "usage.updated" | "campaign.started" | "campaign.completed" | "campaign.contact.completed")[];
                            /** @default true */
                            enabled: boolean;
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            spaceId: string;
                            disabledReason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                        nextCursor: string | null;
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
    createWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookSubscriptionInput"];
            };
        };
        responses: {
            /** @description The subscription and its secret */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSubscriptionCreated"];
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
    getWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                webhookId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The subscription */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSubscription"];
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
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                webhookId: string;
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
    updateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                webhookId: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears */
        requestBody: {
            content: {
                "application/merge-patch+json": {
                    url?: string | null;
                    description?: string | null;
                    eventTypes?: ("call.started" | "call.ended" | "call.failed" | "call.transcript.ready" | "call.recording.ready" | "usage.updated" | "campaign.started" | "campaign.completed" | "campaign.contact.completed")[] | null;
                    enabled?: boolean | null;
                };
                "application/json": {
                    url?: string | null;
                    description?: string | null;
                    eventTypes?: ("call.started" | "call.ended" | "call.failed" | "call.transcript.ready" | "call.recording.ready" | "usage.updated" | "campaign.started" | "campaign.completed" | "campaign.contact.completed")[] | null;
                    enabled?: boolean | null;
                };
            };
        };
        responses: {
            /** @description The subscription */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSubscription"];
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
    listWebhookMessages: {
        parameters: {
            query?: {
                status?: "pending" | "delivered" | "failed";
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path: {
                spaceId: string;
                webhookId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of messages */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            webhookId: string;
                            eventId: string;
                            eventType: string;
                            /** @enum {string} */
                            status: "pending" | "delivered" | "failed";
                            attempts: number;
                            nextAttemptAt: string | null;
                            lastStatusCode: number | null;
                            lastError: string | null;
                            createdAt: string;
                            deliveredAt: string | null;
                            payload: unknown;
                        }[];
                        nextCursor: string | null;
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
    getWebhookMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                webhookId: string;
                messageId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message and its attempt log */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** Format: uuid */
                        webhookId: string;
                        eventId: string;
                        eventType: string;
                        /** @enum {string} */
                        status: "pending" | "delivered" | "failed";
                        attempts: number;
                        nextAttemptAt: string | null;
                        lastStatusCode: number | null;
                        lastError: string | null;
                        createdAt: string;
                        deliveredAt: string | null;
                        payload: unknown;
                        attemptLog: {
                            attemptedAt: string;
                            durationMs: number | null;
                            statusCode: number | null;
                            error: string | null;
                            responseExcerpt: string | null;
                            /** @enum {string} */
                            outcome: "delivered" | "retry" | "failed" | "disabled";
                            nextAttemptAt: string | null;
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
    replayWebhookMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                webhookId: string;
                messageId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookMessage"];
                };
            };
            /** @description The webhook is disabled */
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
    listApiKeys: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of API keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            spaceId: string;
                            name: string;
                            /** @enum {string} */
                            role: "viewer" | "editor" | "admin";
                            prefix: string;
                            /** Format: date-time */
                            createdAt: string;
                            lastUsedAt: string | null;
                        }[];
                        nextCursor: string | null;
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
    createApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** @enum {string} */
                    role: "viewer" | "editor" | "admin";
                };
            };
        };
        responses: {
            /** @description The key */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyCreated"];
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
    getApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                apiKeyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The API key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
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
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                apiKeyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked */
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
    updateApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                apiKeyId: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears */
        requestBody: {
            content: {
                "application/merge-patch+json": {
                    name?: string | null;
                    role?: ("viewer" | "editor" | "admin") | null;
                };
                "application/json": {
                    name?: string | null;
                    role?: ("viewer" | "editor" | "admin") | null;
                };
            };
        };
        responses: {
            /** @description The API key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
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
    listCalls: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                status?: "created" | "ringing" | "in_progress" | "ended" | "failed";
                channel?: "test" | "widget" | "phone";
                agentId?: string;
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of calls */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            spaceId: string;
                            /** Format: uuid */
                            agentId: string;
                            /** @enum {string} */
                            channel: "test" | "widget" | "phone";
                            /** @enum {string} */
                            transport: "voice" | "text";
                            /** @enum {string} */
                            status: "created" | "ringing" | "in_progress" | "ended" | "failed";
                            roomName: string;
                            /**
                             * @default inbound
                             * @enum {string}
                             */
                            direction: "inbound" | "outbound";
                            provider: ("twilio" | "voximplant") | null;
                            providerCallId: string | null;
                            fromNumber: string | null;
                            toNumber: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            startedAt: string | null;
                            endedAt: string | null;
                            durationSeconds: number | null;
                            endReason: ("caller_hangup" | "agent_hangup" | "transferred" | "max_duration" | "silence_timeout" | "provider_error" | "no_answer" | "busy" | "canceled" | "error" | "voicemail") | null;
                            failureReason: string | null;
                            recordingKey: string | null;
                        }[];
                        nextCursor: string | null;
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
    createOutboundCall: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    agentId: string;
                    /** Format: uuid */
                    from: string;
                    to: string;
                    /** @default {} */
                    variables?: {
                        [key: string]: string;
                    };
                    /** @default false */
                    answeringMachineDetection?: boolean;
                };
            };
        };
        responses: {
            /** @description A repeat with the same Idempotency-Key: the call the first request placed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Call"];
                };
            };
            /** @description The call, dialling */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Call"];
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
    getCall: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                callId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The call */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** Format: uuid */
                        spaceId: string;
                        /** Format: uuid */
                        agentId: string;
                        /** @enum {string} */
                        channel: "test" | "widget" | "phone";
                        /** @enum {string} */
                        transport: "voice" | "text";
                        /** @enum {string} */
                        status: "created" | "ringing" | "in_progress" | "ended" | "failed";
                        roomName: string;
                        /**
                         * @default inbound
                         * @enum {string}
                         */
                        direction: "inbound" | "outbound";
                        provider: ("twilio" | "voximplant") | null;
                        providerCallId: string | null;
                        fromNumber: string | null;
                        toNumber: string | null;
                        /** Format: date-time */
                        createdAt: string;
                        startedAt: string | null;
                        endedAt: string | null;
                        durationSeconds: number | null;
                        endReason: ("caller_hangup" | "agent_hangup" | "transferred" | "max_duration" | "silence_timeout" | "provider_error" | "no_answer" | "busy" | "canceled" | "error" | "voicemail") | null;
                        failureReason: string | null;
                        recordingKey: string | null;
                        transcript: {
                            /** @enum {string} */
                            speaker: "user" | "agent" | "system";
                            text: string;
                            /** Format: date-time */
                            startedAt: string;
                            /** Format: date-time */
                            endedAt?: string;
                            /** @default false */
                            interrupted: boolean;
                            /** @default [] */
                            toolCalls: {
                                name: string;
                                arguments: string;
                                output?: string;
                                /** @default false */
                                isError: boolean;
                                durationMs?: number;
                            }[];
                        }[];
                        events: {
                            at: string;
                            kind: string;
                            detail: string;
                        }[];
                        usage: {
                            /** @default 0 */
                            callSeconds: number;
                            /** @default 0 */
                            sttSeconds: number;
                            /** @default 0 */
                            ttsCharacters: number;
                            /** @default 0 */
                            llmPromptTokens: number;
                            /** @default 0 */
                            llmCompletionTokens: number;
                            /** @default 0 */
                            toolCalls: number;
                        } | null;
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
    getCallTranscript: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                callId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Turns */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        callId: string;
                        turns: {
                            /** @enum {string} */
                            speaker: "user" | "agent" | "system";
                            text: string;
                            /** Format: date-time */
                            startedAt: string;
                            /** Format: date-time */
                            endedAt?: string;
                            /** @default false */
                            interrupted: boolean;
                            /** @default [] */
                            toolCalls: {
                                name: string;
                                arguments: string;
                                output?: string;
                                /** @default false */
                                isError: boolean;
                                durationMs?: number;
                            }[];
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
    getCallEvents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                callId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Events */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        callId: string;
                        events: {
                            at: string;
                            kind: string;
                            detail: string;
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
    listDoNotCall: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The list */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            spaceId: string;
                            number: string;
                            reason: string | null;
                            /** Format: date-time */
                            createdAt: string;
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
    addDoNotCall: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    number: string;
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description Already on the list */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        spaceId: string;
                        number: string;
                        reason: string | null;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description Added */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        spaceId: string;
                        number: string;
                        reason: string | null;
                        /** Format: date-time */
                        createdAt: string;
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
    removeDoNotCall: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                number: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
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
    listCampaigns: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                status?: "draft" | "running" | "paused" | "completed" | "cancelled";
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of campaigns */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            name: string;
                            /** Format: uuid */
                            agentId: string;
                            /** Format: uuid */
                            phoneNumberId: string;
                            /**
                             * @default {
                             *       "timeZone": "UTC",
                             *       "days": [
                             *         "mon",
                             *         "tue",
                             *         "wed",
                             *         "thu",
                             *         "fri"
                             *       ],
                             *       "startTime": "09:00",
                             *       "endTime": "18:00"
                             *     }
                             */
                            schedule: {
                                /** @default UTC */
                                timeZone: string;
                                /**
                                 * @default [
                                 *       "mon",
                                 *       "tue",
                                 *       "wed",
                                 *       "thu",
                                 *       "fri"
                                 *     ]
                                 */
                                days: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[];
                                /** @default 09:00 */
                                startTime: string;
                                /** @default 18:00 */
                                endTime: string;
                            };
                            /** @default 5 */
                            maxConcurrentCalls: number;
                            /** @default 1 */
                            callsPerSecond: number;
                            /**
                             * @default {
                             *       "maxAttempts": 3,
                             *       "delayMinutes": {
                             *         "busy": 30,
                             *         "no_answer": 60,
                             *         "failed": 120
                             *       }
                             *     }
                             */
                            retry: {
                                /** @default 3 */
                                maxAttempts: number;
                                /**
                                 * @default {
                                 *       "busy": 30,
                                 *       "no_answer": 60,
                                 *       "failed": 120
                                 *     }
                                 */
                                delayMinutes: {
                                    /** @default 30 */
                                    busy: number;
                                    /** @default 60 */
                                    no_answer: number;
                                    /** @default 120 */
                                    failed: number;
                                };
                            };
                            columns: {
                                number: string;
                                /** @default {} */
                                variables: {
                                    [key: string]: string;
                                };
                            };
                            /** @default false */
                            answeringMachineDetection: boolean;
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            spaceId: string;
                            /** @enum {string} */
                            status: "draft" | "running" | "paused" | "completed" | "cancelled";
                            progress: {
                                total: number;
                                pending: number;
                                dialling: number;
                                completed: number;
                                failed: number;
                                skipped: number;
                                cancelled: number;
                            };
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            startedAt: string | null;
                            completedAt: string | null;
                        }[];
                        nextCursor: string | null;
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
    createCampaign: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** Format: uuid */
                    agentId: string;
                    /** Format: uuid */
                    phoneNumberId: string;
                    /**
                     * @default {
                     *       "timeZone": "UTC",
                     *       "days": [
                     *         "mon",
                     *         "tue",
                     *         "wed",
                     *         "thu",
                     *         "fri"
                     *       ],
                     *       "startTime": "09:00",
                     *       "endTime": "18:00"
                     *     }
                     */
                    schedule?: {
                        /** @default UTC */
                        timeZone?: string;
                        /**
                         * @default [
                         *       "mon",
                         *       "tue",
                         *       "wed",
                         *       "thu",
                         *       "fri"
                         *     ]
                         */
                        days?: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[];
                        /** @default 09:00 */
                        startTime?: string;
                        /** @default 18:00 */
                        endTime?: string;
                    };
                    /** @default 5 */
                    maxConcurrentCalls?: number;
                    /** @default 1 */
                    callsPerSecond?: number;
                    /**
                     * @default {
                     *       "maxAttempts": 3,
                     *       "delayMinutes": {
                     *         "busy": 30,
                     *         "no_answer": 60,
                     *         "failed": 120
                     *       }
                     *     }
                     */
                    retry?: {
                        /** @default 3 */
                        maxAttempts?: number;
                        /**
                         * @default {
                         *       "busy": 30,
                         *       "no_answer": 60,
                         *       "failed": 120
                         *     }
                         */
                        delayMinutes?: {
                            /** @default 30 */
                            busy?: number;
                            /** @default 60 */
                            no_answer?: number;
                            /** @default 120 */
                            failed?: number;
                        };
                    };
                    columns: {
                        number: string;
                        /** @default {} */
                        variables?: {
                            [key: string]: string;
                        };
                    };
                    /** @default false */
                    answeringMachineDetection?: boolean;
                };
            };
        };
        responses: {
            /** @description The campaign, a draft */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
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
    getCampaign: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The campaign */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
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
    deleteCampaign: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
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
    updateCampaign: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears */
        requestBody: {
            content: {
                "application/merge-patch+json": {
                    name?: string | null;
                    agentId?: string | null;
                    phoneNumberId?: string | null;
                    schedule?: {
                        timeZone?: string | null;
                        days?: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[] | null;
                        startTime?: string | null;
                        endTime?: string | null;
                    } | null;
                    maxConcurrentCalls?: number | null;
                    callsPerSecond?: number | null;
                    retry?: {
                        maxAttempts?: number | null;
                        delayMinutes?: {
                            busy?: number | null;
                            no_answer?: number | null;
                            failed?: number | null;
                        } | null;
                    } | null;
                    columns?: {
                        number?: string | null;
                        variables?: {
                            [key: string]: string;
                        } | null;
                    } | null;
                    answeringMachineDetection?: boolean | null;
                };
                "application/json": {
                    name?: string | null;
                    agentId?: string | null;
                    phoneNumberId?: string | null;
                    schedule?: {
                        timeZone?: string | null;
                        days?: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[] | null;
                        startTime?: string | null;
                        endTime?: string | null;
                    } | null;
                    maxConcurrentCalls?: number | null;
                    callsPerSecond?: number | null;
                    retry?: {
                        maxAttempts?: number | null;
                        delayMinutes?: {
                            busy?: number | null;
                            no_answer?: number | null;
                            failed?: number | null;
                        } | null;
                    } | null;
                    columns?: {
                        number?: string | null;
                        variables?: {
                            [key: string]: string;
                        } | null;
                    } | null;
                    answeringMachineDetection?: boolean | null;
                };
            };
        };
        responses: {
            /** @description The campaign */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
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
    startCampaign: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The campaign */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
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
    pauseCampaign: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The campaign */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
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
    resumeCampaign: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The campaign */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
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
    cancelCampaign: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The campaign */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Campaign"];
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
    listCampaignContacts: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                status?: "pending" | "dialling" | "completed" | "failed" | "skipped" | "cancelled";
            };
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of contacts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            campaignId: string;
                            line: number;
                            number: string;
                            variables: {
                                [key: string]: string;
                            };
                            /** @enum {string} */
                            status: "pending" | "dialling" | "completed" | "failed" | "skipped" | "cancelled";
                            attempts: number;
                            lastOutcome: ("answered" | "voicemail" | "busy" | "no_answer" | "failed" | "refused" | "do_not_call") | null;
                            lastReason: string | null;
                            nextAttemptAt: string | null;
                            callIds: string[];
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                        nextCursor: string | null;
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
    importCampaignContacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    csv: string;
                };
            };
        };
        responses: {
            /** @description What was imported and what was refused */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CampaignImportResult"];
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
    getCampaignContact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
                contactId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The contact */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CampaignContact"];
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
    exportCampaignResults: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                campaignId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The results, text/csv */
            200: {
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
    getCallRecording: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                callId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The link */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        callId: string;
                        url: string;
                        expiresAt: string;
                    };
                };
            };
            /** @description The call has no recording */
            404: {
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
    getCallUsage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                callId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Usage */
            200: {
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
    getSpaceBilling: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Plan and invoices */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SpaceBilling"];
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
    getSpaceUsage: {
        parameters: {
            query?: {
                from?: string;
                to?: string;
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Usage */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SpaceUsage"];
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
    listAudit: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                resource?: "space" | "member" | "agent" | "tool" | "phone_number" | "credential" | "webhook" | "api_key" | "campaign";
                resourceId?: string;
                action?: "created" | "updated" | "deleted";
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of audit entries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            spaceId: string;
                            actor: {
                                /** @enum {string} */
                                type: "user" | "api_key" | "service";
                                id: string;
                                label: string;
                                role: string | null;
                            };
                            /** @enum {string} */
                            action: "created" | "updated" | "deleted";
                            /** @enum {string} */
                            resource: "space" | "member" | "agent" | "tool" | "phone_number" | "credential" | "webhook" | "api_key" | "campaign";
                            resourceId: string;
                            before: unknown | null;
                            after: unknown | null;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        nextCursor: string | null;
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
    getAuditEntry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                entryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The entry */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEntry"];
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
    createTestSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                agentId: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /**
                     * @default voice
                     * @enum {string}
                     */
                    mode?: "voice" | "text";
                };
            };
        };
        responses: {
            /** @description Voice: join `serverUrl` with `token` (livekit-client). Text: POST messages to `messagesUrl`, DELETE `sessionUrl` to end. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        callId: string;
                        serverUrl: string;
                        token: string;
                        /** @constant */
                        mode: "voice";
                    } | {
                        /** @constant */
                        mode: "text";
                        /** Format: uuid */
                        callId: string;
                        /** Format: uuid */
                        sessionId: string;
                        messagesUrl: string;
                        sessionUrl: string;
                        greeting: string | null;
                    };
                };
            };
            /** @description Voice: LiveKit is not configured. Text: the agent worker is not configured or cannot be reached */
            503: {
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
    sendTestSessionMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                agentId: string;
                sessionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    text: string;
                };
            };
        };
        responses: {
            /** @description The reply (`ended: true` when the conversation is over) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TextReply"];
                    "text/event-stream": string;
                };
            };
            /** @description The message is empty or not text */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No such session (or one of another space, or another session token) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The session has ended, or its previous message is still being answered */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The message is longer than 8000 characters */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The agent worker is not configured or cannot be reached */
            503: {
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
    endTestSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                agentId: string;
                sessionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ended */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        sessionId: string;
                        /** Format: uuid */
                        callId: string;
                        /** @enum {string} */
                        endReason: "caller_hangup" | "agent_hangup" | "transferred" | "max_duration" | "silence_timeout" | "provider_error" | "no_answer" | "busy" | "canceled" | "error" | "voicemail";
                    };
                };
            };
            /** @description The session has ended already */
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
    getPublicAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                publishableKey: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Name, greeting, appearance, modes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        name: string;
                        greeting: string | null;
                        voiceEnabled: boolean;
                        textEnabled: boolean;
                        /**
                         * @default {
                         *       "position": "bottom-right"
                         *     }
                         */
                        appearance: {
                            title?: string;
                            accentColor?: string;
                            /**
                             * @default bottom-right
                             * @enum {string}
                             */
                            position: "bottom-right" | "bottom-left" | "inline";
                        };
                    };
                };
            };
            /** @description The Origin is not allowed */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No agent has this key */
            404: {
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
    createWidgetSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                publishableKey: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /**
                     * @default voice
                     * @enum {string}
                     */
                    mode?: "voice" | "text";
                };
            };
        };
        responses: {
            /** @description Voice: join `serverUrl` with `token`. Text: POST messages to `messagesUrl` with `Authorization: Bearer <sessionToken>`; DELETE `sessionUrl` to end. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        callId: string;
                        serverUrl: string;
                        token: string;
                        /** @constant */
                        mode: "voice";
                    } | {
                        /** @constant */
                        mode: "text";
                        /** Format: uuid */
                        callId: string;
                        /** Format: uuid */
                        sessionId: string;
                        messagesUrl: string;
                        sessionUrl: string;
                        greeting: string | null;
                        sessionToken: string;
                    };
                };
            };
            /** @description Origin missing or not allowed, or this mode is turned off in the widget settings */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No agent has this key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Rate limited; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Voice: LiveKit is not configured. Text: the agent worker is not configured or cannot be reached */
            503: {
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
    sendWidgetSessionMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                publishableKey: string;
                sessionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    text: string;
                };
            };
        };
        responses: {
            /** @description The reply (`ended: true` when the conversation is over) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TextReply"];
                    "text/event-stream": string;
                };
            };
            /** @description The message is empty or not text */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No such session (or one of another space, or another session token) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The session has ended, or its previous message is still being answered */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The message is longer than 8000 characters */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The agent worker is not configured or cannot be reached */
            503: {
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
    endWidgetSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                publishableKey: string;
                sessionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ended */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        sessionId: string;
                        /** Format: uuid */
                        callId: string;
                        /** @enum {string} */
                        endReason: "caller_hangup" | "agent_hangup" | "transferred" | "max_duration" | "silence_timeout" | "provider_error" | "no_answer" | "busy" | "canceled" | "error" | "voicemail";
                    };
                };
            };
            /** @description No such session for this session token */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The session has ended already */
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
    exportTraces: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description ExportTraceServiceResponse (partialSuccess when spans were refused) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not an OTLP ExportTraceServiceRequest */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Neither protobuf nor JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Ingest is busy: retry after Retry-After seconds */
            429: {
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
    getAnalytics: {
        parameters: {
            query?: {
                /** @description start of the range (inclusive), ISO 8601; default: `to` minus 7 days */
                from?: string;
                /** @description end of the range (exclusive), ISO 8601; default: now */
                to?: string;
                /** @description time series resolution, UTC */
                bucket?: "hour" | "day";
                /** @description only this agent */
                agentId?: string;
                /** @description only this channel */
                channel?: "test" | "widget" | "phone";
                /** @description only calls through this phone number (the space's number: `to` of an inbound call) */
                number?: string;
            };
            header?: never;
            path: {
                spaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The analytics of the range */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        source: "clickhouse" | "postgresql";
                        range: {
                            /** Format: date-time */
                            from: string;
                            /** Format: date-time */
                            to: string;
                            /** @enum {string} */
                            bucket: "hour" | "day";
                        };
                        totals: {
                            calls: number;
                            minutes: number;
                            peakConcurrency: number;
                            turns: number;
                            interruptedTurns: number;
                            interruptionRate: number | null;
                            toolCalls: number;
                            toolErrors: number;
                            toolErrorRate: number | null;
                            costUsd: number;
                        };
                        outcomes: {
                            endReason: string;
                            calls: number;
                        }[];
                        latencyMs: {
                            eou: {
                                count: number;
                                p50: number | null;
                                p90: number | null;
                                p99: number | null;
                            };
                            stt: {
                                count: number;
                                p50: number | null;
                                p90: number | null;
                                p99: number | null;
                            };
                            llmTtft: {
                                count: number;
                                p50: number | null;
                                p90: number | null;
                                p99: number | null;
                            };
                            llmTotal: {
                                count: number;
                                p50: number | null;
                                p90: number | null;
                                p99: number | null;
                            };
                            ttsTtfb: {
                                count: number;
                                p50: number | null;
                                p90: number | null;
                                p99: number | null;
                            };
                            response: {
                                count: number;
                                p50: number | null;
                                p90: number | null;
                                p99: number | null;
                            };
                        };
                        interruptedAfterMs: {
                            count: number;
                            p50: number | null;
                            p90: number | null;
                            p99: number | null;
                        };
                        tools: {
                            name: string;
                            calls: number;
                            errors: number;
                            durationMs: {
                                count: number;
                                p50: number | null;
                                p90: number | null;
                                p99: number | null;
                            };
                        }[];
                        cost: {
                            /** @enum {string} */
                            kind: "llm" | "stt" | "tts";
                            provider: string;
                            model: string;
                            /** @enum {string} */
                            unit: "prompt_tokens" | "completion_tokens" | "characters" | "audio_seconds";
                            quantity: number;
                            costUsd: number | null;
                        }[];
                        buckets: {
                            /** Format: date-time */
                            start: string;
                            calls: number;
                            minutes: number;
                            peakConcurrency: number;
                            turns: number;
                            responseLatencyMs: {
                                count: number;
                                p50: number | null;
                                p90: number | null;
                                p99: number | null;
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
    getCallTurns: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                spaceId: string;
                callId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The turns of the call */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        callId: string;
                        /** @enum {string} */
                        source: "clickhouse" | "postgresql";
                        providers: {
                            llm: {
                                provider: string;
                                model: string;
                            } | null;
                            stt: {
                                provider: string;
                                model: string;
                            } | null;
                            tts: {
                                provider: string;
                                model: string;
                            } | null;
                        } | null;
                        turns: {
                            index: number;
                            source: string;
                            /** Format: date-time */
                            startedAt: string;
                            eouDelayMs: number | null;
                            sttDurationMs: number | null;
                            llmTtftMs: number | null;
                            llmDurationMs: number | null;
                            ttsTtfbMs: number | null;
                            responseLatencyMs: number | null;
                            interrupted: boolean;
                            interruptedAfterMs: number | null;
                            promptTokens: number | null;
                            completionTokens: number | null;
                            toolCalls: {
                                name: string;
                                durationMs: number | null;
                                error: boolean;
                            }[];
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
}
