// The builder is shared with the other services that serve an OpenAPI document (the webhook receiver's admin API).
export {
  type HttpMethod,
  OpenApiBuilder,
  type OperationResponse,
  type OperationSpec,
} from '@speaknode/runtime/openapi';
